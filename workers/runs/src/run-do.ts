import { DurableObject } from "cloudflare:workers";
import {
  type CodeBundle,
  type GeneratedFile,
  type Run,
  type RunEvent,
  type RunOptions,
  type RunPattern,
  type RunStatus,
  type RunUsage,
  STAGES,
  type StageName,
  type StageState,
  type StageStatus,
  setting,
  TERMINAL_RUN_STATUSES,
  type TestReport,
} from "@aidevos/core";
import { addRunUsage, type ModelOptions, NO_RUN_USAGE, totalTokens } from "@aidevos/llm";
import { registryOf, runOf, stageOf } from "@aidevos/objects";
import type { PlanningInput, StageOutput, StageReport, TestingOutput } from "@aidevos/pipeline";
import { eventStream } from "./event-stream";
import { failedRunLearning } from "./failed-run-learning";
import { type FlowContext, nextStep, type Step } from "./flow";

interface StartRunInput extends PlanningInput {
  /** SHA-256 of the request body, to tell a replayed Idempotency-Key from a reused one. */
  bodyHash: string;
  options?: RunOptions;
  /** The app pattern the gateway built the spec from (offline free text): shown in the run's summary. */
  pattern?: RunPattern;
}

type StartRunResult =
  | { kind: "created" | "existing"; run: Run }
  | { kind: "mismatch" }
  | { kind: "refused"; spentUsd: number; capUsd: number };

interface RunRow {
  id: string;
  request: string;
  input: string;
  body_hash: string;
  options: string;
  usage: string;
  status: RunStatus;
  stage: StageName | null;
  app_name: string | null;
  app_version: number | null;
  app_url: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  [key: string]: SqlStorageValue;
}

interface OutboxRow {
  id: number;
  kind: "handoff" | "index" | "cancel" | "release" | "spend";
  stage: StageName | null;
  round: number | null;
  payload: string | null;
  [key: string]: SqlStorageValue;
}

const RETRY_MS = 500;
/** Set while a run waits in the queue for a slot (AIDEVOS_MAX_CONCURRENT_RUNS); its planning hand-off waits with it. */
const WAITING = "waiting-for-slot";
/** The app pattern the run was built from, when it was (offline free text). */
const BUILT_FROM = "built-from-pattern";

/**
 * The ledger and conductor of one run: its request, stage states, ordered events and artifacts
 * live in this object's SQLite. Stages report here; the run records each report once and hands
 * the work on through an outbox, so a hand-off survives a crash and is never lost or doubled.
 */
export class RunDO extends DurableObject<Env> {
  private readonly sql = this.ctx.storage.sql;
  /** Open event streams waiting for the next event; each removes itself when it wakes or its client leaves. */
  private readonly waiters = new Set<() => void>();
  /** Event streams open now (waiting or not). */
  private openStreams = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.createTables());
  }

  private createTables(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS run (
      id TEXT PRIMARY KEY, request TEXT NOT NULL, input TEXT NOT NULL, body_hash TEXT NOT NULL,
      options TEXT NOT NULL DEFAULT '{}', usage TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL, stage TEXT, app_name TEXT, app_version INTEGER, app_url TEXT,
      error_code TEXT, error_message TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS stages (
      name TEXT PRIMARY KEY, position INTEGER NOT NULL, status TEXT NOT NULL, started_at TEXT, finished_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0, rounds INTEGER NOT NULL DEFAULT 0, summary TEXT)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, stage TEXT,
      level TEXT NOT NULL, message TEXT NOT NULL, data TEXT)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS reports (
      stage TEXT NOT NULL, round INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
      PRIMARY KEY (stage, round, status, attempts))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS artifacts (
      stage TEXT NOT NULL, round INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (stage, round))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS files (
      round INTEGER NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
      PRIMARY KEY (round, path))`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, stage TEXT, round INTEGER, payload TEXT)`);
  }

  /** Creates the run, or returns it when the same Idempotency-Key and body come again. */
  async start(input: StartRunInput): Promise<StartRunResult> {
    const existing = this.row();
    if (existing) {
      return existing.body_hash === input.bodyHash
        ? { kind: "existing", run: this.view(existing) }
        : { kind: "mismatch" };
    }
    // A slot among the runs working now, or a place in the queue: a flood waits, it never fails.
    const slot = await registryOf(this.env).acquireRunSlot(this.id);
    await this.admitAll(slot.start);
    const raced = this.row();
    if (raced)
      return raced.body_hash === input.bodyHash ? { kind: "existing", run: this.view(raced) } : { kind: "mismatch" };
    if (slot.kind === "refused") return slot;
    const now = new Date().toISOString();
    const { bodyHash, options, pattern, ...planning } = input;
    const limits = this.limits(options ?? {});
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO run (id, request, input, body_hash, options, usage, status, stage, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', 'planning', ?, ?)",
        this.id,
        input.request,
        JSON.stringify(planning),
        bodyHash,
        JSON.stringify(options ?? {}),
        JSON.stringify(NO_RUN_USAGE),
        now,
        now,
      );
      for (const [position, name] of STAGES.entries()) {
        this.sql.exec("INSERT INTO stages (name, position, status) VALUES (?, ?, 'pending')", name, position);
      }
      if (pattern) this.ctx.storage.kv.put(BUILT_FROM, pattern);
      this.event("run", null, "info", "run queued", { request: input.request.slice(0, 200) });
      this.event(
        "log",
        null,
        "info",
        `limits: a budget of ${limits.tokenBudget} tokens${options?.tokenBudget ? "" : " (the default, AIDEVOS_RUN_TOKEN_BUDGET)"} and at most ${limits.maxModelCalls} model calls (AIDEVOS_RUN_MAX_MODEL_CALLS)`,
        limits,
      );
      this.enqueue({ kind: "index" });
      if (slot.kind === "admitted") this.enqueue({ kind: "handoff", stage: "planning", round: 0, input: planning });
      else {
        this.ctx.storage.kv.put(WAITING, true);
        this.event(
          "run",
          null,
          "info",
          `waiting for a run slot: ${slot.running} of ${slot.max} runs are working (AIDEVOS_MAX_CONCURRENT_RUNS), ${slot.waiting} waiting; it starts when one frees`,
          { running: slot.running, waiting: slot.waiting, max: slot.max },
        );
      }
    });
    await this.drain();
    return { kind: "created", run: this.view(this.row()!) };
  }

  /** The run took a slot a finished run freed: its planning hand-off goes now. Repeats are no-ops. */
  async admit(): Promise<void> {
    const row = this.row();
    if (!row || !this.ctx.storage.kv.get(WAITING)) return;
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.kv.delete(WAITING);
      if (TERMINAL_RUN_STATUSES.includes(row.status)) {
        this.enqueue({ kind: "release" });
        return;
      }
      this.event("run", null, "info", "a run slot freed: the run starts");
      this.enqueue({ kind: "handoff", stage: "planning", round: 0, input: JSON.parse(row.input) });
    });
    await this.drain();
  }

  /** Starts runs the Registry gave slots to; one that cannot be told goes back to the head of the queue. */
  private async admitAll(ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        const run = runOf(this.env, id);
        if (!run) throw new Error(`not a run id: ${id}`);
        await run.admit();
      } catch (err) {
        console.warn("could not start a queued run", id, String(err));
        await registryOf(this.env).requeueRun(id);
      }
    }
  }

  /** The run's token budget (its own, or the default) and its hard bound on model calls. */
  private limits(options: RunOptions): { tokenBudget: number; maxModelCalls: number } {
    return {
      tokenBudget: options.tokenBudget ?? setting(this.env, "AIDEVOS_RUN_TOKEN_BUDGET"),
      maxModelCalls: setting(this.env, "AIDEVOS_RUN_MAX_MODEL_CALLS"),
    };
  }

  async get(): Promise<Run | null> {
    const row = this.row();
    return row ? this.view(row) : null;
  }

  async events(after = 0, limit = 500): Promise<RunEvent[]> {
    return this.sql
      .exec<{
        seq: number;
        at: string;
        type: RunEvent["type"];
        stage: StageName | null;
        level: RunEvent["level"];
        message: string;
        data: string | null;
      }>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
      .toArray()
      .map((e) => ({ ...e, data: e.data === null ? undefined : JSON.parse(e.data) }));
  }

  /** The test reports of the latest testing round. */
  async testReports(): Promise<{ round: number; reports: TestReport[] } | null> {
    const latest = this.sql
      .exec<{ round: number; body: string }>(
        "SELECT round, body FROM artifacts WHERE stage = 'testing' ORDER BY round DESC LIMIT 1",
      )
      .toArray()[0];
    return latest ? { round: latest.round, reports: (JSON.parse(latest.body) as TestingOutput).reports } : null;
  }

  /** The generated files of the latest codegen round. */
  async files(): Promise<{ round: number; files: GeneratedFile[] } | null> {
    const round = this.sql.exec<{ round: number | null }>("SELECT MAX(round) AS round FROM files").one().round;
    if (round === null) return null;
    return { round, files: this.bundleFiles(round) };
  }

  async log(stage: StageName | null, level: RunEvent["level"], message: string, data?: unknown): Promise<void> {
    if (!this.row()) return;
    this.event("log", stage, level, message, data);
  }

  async cancel(): Promise<Run | null> {
    const row = this.row();
    if (!row) return null;
    if (!TERMINAL_RUN_STATUSES.includes(row.status)) {
      this.ctx.storage.transactionSync(() => {
        this.setStatus("cancelled", row.stage);
        this.sql.exec("UPDATE stages SET status = 'cancelled' WHERE status IN ('pending', 'running')");
        this.event("run", row.stage, "warn", "run cancelled");
        if (row.stage && !this.ctx.storage.kv.get(WAITING)) this.enqueue({ kind: "cancel", stage: row.stage });
        this.ctx.storage.kv.delete(WAITING);
        this.enqueue({ kind: "index" });
        this.enqueue({ kind: "release" });
      });
      await this.drain();
    }
    return this.view(this.row()!);
  }

  /**
   * Keeps this finished run's summary (id, status, stage, app, request, error, usage, times, stage
   * states) and drops the rest: events (one stays, saying so), artifacts, generated files, the
   * planning input, and every stage's records. Past AIDEVOS_RUNS_KEPT, about 1.7 MB a run was kept
   * forever (issue 27). False while the run or one of its stages is unfinished.
   */
  async summarise(): Promise<boolean> {
    const row = this.row();
    if (!row || !TERMINAL_RUN_STATUSES.includes(row.status)) return false;
    if (this.ctx.storage.kv.get("summarised")) return true;
    // A hand-off still owed (the index, the slot's release) is delivered first.
    if (this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n > 0) return false;
    for (const stage of STAGES) if (!(await stageOf(this.env, stage, this.id).forget())) return false;
    // Everything goes and the summary is written back: deleted rows alone would leave the file as large.
    await this.ctx.blockConcurrencyWhile(async () => {
      const stages = this.sql.exec<Record<string, SqlStorageValue>>("SELECT * FROM stages").toArray();
      const { input: _input, ...kept } = this.row()!;
      await this.ctx.storage.deleteAll();
      this.createTables();
      const columns = ["input", ...Object.keys(kept)];
      this.sql.exec(
        `INSERT INTO run (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        "{}",
        ...Object.values(kept),
      );
      for (const stage of stages) {
        const names = Object.keys(stage);
        this.sql.exec(
          `INSERT INTO stages (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
          ...Object.values(stage),
        );
      }
      this.event(
        "run",
        null,
        "info",
        "this run is summarised: it is older than the newest finished runs kept whole (AIDEVOS_RUNS_KEPT), so its events, tests and files were dropped",
      );
      this.ctx.storage.kv.put("summarised", true);
    });
    return true;
  }

  /** Has the runs the Registry names summarised; each that could not be is named again next time. */
  private async summariseOlder(ids: string[]): Promise<void> {
    const done: string[] = [];
    for (const id of ids) {
      try {
        const run = runOf(this.env, id);
        if (run && (await run.summarise())) done.push(id);
      } catch (err) {
        console.warn("could not summarise run", id, String(err));
      }
    }
    if (done.length) await registryOf(this.env).runsSummarised(done);
  }

  /** A stage's account of one round. Recorded once per (stage, round, status, attempt); repeats are acknowledged. */
  async reportStage(report: StageReport): Promise<{ accepted: boolean }> {
    const row = this.row();
    if (!row || TERMINAL_RUN_STATUSES.includes(row.status)) return { accepted: false };
    const fresh =
      this.sql.exec(
        "INSERT OR IGNORE INTO reports (stage, round, status, attempts) VALUES (?, ?, ?, ?)",
        report.stage,
        report.round,
        report.status,
        report.status === "running" ? report.attempts : 0,
      ).rowsWritten > 0;
    if (fresh) this.ctx.storage.transactionSync(() => this.record(report));
    await this.drain();
    return { accepted: fresh };
  }

  /** `GET /events`: Server-Sent Events of the run's history from Last-Event-ID on, closing when the run ends. */
  override async fetch(request: Request): Promise<Response> {
    if (!this.row()) return Response.json({ error: { code: "not_found", message: "run not found" } }, { status: 404 });
    const url = new URL(request.url);
    const from = Number(request.headers.get("last-event-id") ?? url.searchParams.get("lastEventId") ?? "0");
    this.openStreams += 1;
    return eventStream({
      after: Number.isSafeInteger(from) && from > 0 ? from : 0,
      read: (after) => this.events(after, 200),
      finished: () => TERMINAL_RUN_STATUSES.includes(this.row()!.status),
      subscribe: (wake) => {
        this.waiters.add(wake);
        return () => this.waiters.delete(wake);
      },
      closed: () => {
        this.openStreams -= 1;
      },
    });
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  private record(report: StageReport): void {
    const now = new Date().toISOString();
    const status: StageStatus = report.status;
    this.sql.exec(
      `UPDATE stages SET status = ?, attempts = ?, started_at = COALESCE(started_at, ?),
         finished_at = ?, summary = COALESCE(?, summary), rounds = MAX(rounds, ?) WHERE name = ?`,
      status,
      report.attempts,
      report.startedAt ?? now,
      report.status === "running" ? null : (report.finishedAt ?? now),
      report.summary,
      report.round + 1,
      report.stage,
    );
    const round = report.round > 0 ? ` (round ${report.round})` : "";
    if (report.status === "running") {
      this.setStatus("running", report.stage);
      this.event("stage", report.stage, "info", `${report.stage} started${round}, attempt ${report.attempts}`);
      return;
    }
    if (report.status === "succeeded") this.saveOutput(report);
    if (report.usage) {
      const total = addRunUsage(this.usage(), report.usage);
      this.sql.exec("UPDATE run SET usage = ? WHERE id = ?", JSON.stringify(total), this.id);
      if (report.usage.costUsd > 0) this.enqueue({ kind: "spend", input: report.usage.costUsd });
    }
    this.event(
      "stage",
      report.stage,
      report.status === "failed" ? "error" : "info",
      `${report.stage} ${report.status}${round}: ${report.summary ?? ""}`.trim(),
      report.status === "failed" ? report.error : undefined,
    );
    if (report.stage === "deploy" && report.status === "succeeded") {
      const deployed = report.output;
      this.sql.exec(
        "UPDATE run SET app_name = ?, app_version = ?, app_url = ? WHERE id = ?",
        deployed.name,
        deployed.version,
        deployed.url,
        this.id,
      );
    }
    this.apply(nextStep(report, this.flow()));
  }

  private apply(step: Step): void {
    switch (step.kind) {
      case "handoff":
        this.setStatus("running", step.stage);
        this.sql.exec(
          "UPDATE stages SET status = 'pending', finished_at = NULL WHERE name = ? AND status != 'running'",
          step.stage,
        );
        this.enqueue(step);
        return;
      case "succeed":
        this.setStatus("succeeded", null);
        this.event("run", null, "info", "run succeeded");
        this.enqueue({ kind: "index" });
        this.enqueue({ kind: "release" });
        return;
      case "fail":
        this.sql.exec(
          "UPDATE run SET error_code = ?, error_message = ? WHERE id = ?",
          step.code,
          step.message,
          this.id,
        );
        this.setStatus("failed", this.row()!.stage);
        this.event("run", null, "error", `run failed: ${step.message}`, { code: step.code });
        this.enqueue({ kind: "index" });
        this.enqueue({ kind: "release" });
        this.handFailureToLearning(step);
        return;
    }
  }

  /**
   * A failed run teaches too: its outcome goes to learning in the transaction that ends it, so the
   * model updater counts failures and lessons come from tests that never passed. Learning's log
   * lines join the run's events; its report is not taken, as the run has ended.
   */
  private handFailureToLearning(step: Extract<Step, { kind: "fail" }>): void {
    const input = failedRunLearning(this.flow(), step);
    if (input) this.enqueue({ kind: "handoff", stage: "learning", round: 0, input });
  }

  private flow(): FlowContext {
    const options = JSON.parse(this.row()!.options) as RunOptions;
    return {
      input: JSON.parse(this.row()!.input) as PlanningInput,
      canaryPercent: options.canaryPercent,
      allowBreaking: options.allowBreaking,
      allowWidening: options.allowWidening,
      strict: options.strict,
      costUsd: this.usage().costUsd,
      maxRefineRounds: setting(this.env, "AIDEVOS_MAX_REFINE_ROUNDS"),
      artifact: (stage, round) => this.loadOutput(stage, round),
    };
  }

  /** Code goes to the files table, a row per file; everything else is one JSON row per (stage, round). */
  private saveOutput(report: Extract<StageReport, { status: "succeeded" }>): void {
    const { stage, round } = report;
    let body: unknown = report.output;
    if (report.stage === "codegen") {
      const { bundle } = report.output;
      for (const f of bundle.files) {
        this.sql.exec(
          "INSERT OR REPLACE INTO files (round, path, role, content) VALUES (?, ?, ?, ?)",
          round,
          f.path,
          f.role,
          f.content,
        );
      }
      body = { ...report.output, bundle: { ...bundle, files: [] } };
    }
    this.sql.exec(
      "INSERT OR REPLACE INTO artifacts (stage, round, body) VALUES (?, ?, ?)",
      stage,
      round,
      JSON.stringify(body ?? null),
    );
  }

  private loadOutput<S extends StageName>(stage: S, round: number): StageOutput<S> | null {
    const row = this.sql
      .exec<{ body: string }>("SELECT body FROM artifacts WHERE stage = ? AND round = ?", stage, round)
      .toArray()[0];
    if (!row) return null;
    const body = JSON.parse(row.body);
    if (stage === "codegen") (body.bundle as CodeBundle).files = this.bundleFiles(round);
    return body;
  }

  private bundleFiles(round: number): GeneratedFile[] {
    return this.sql
      .exec<GeneratedFile & Record<string, SqlStorageValue>>(
        "SELECT path, role, content FROM files WHERE round = ? ORDER BY path",
        round,
      )
      .toArray()
      .map((f) => ({ path: f.path, role: f.role, content: f.content }));
  }

  private enqueue(item: { kind: OutboxRow["kind"]; stage?: StageName; round?: number; input?: unknown }): void {
    this.sql.exec(
      "INSERT INTO outbox (kind, stage, round, payload) VALUES (?, ?, ?, ?)",
      item.kind,
      item.stage ?? null,
      item.round ?? null,
      item.input === undefined ? null : JSON.stringify(item.input),
    );
  }

  /**
   * Delivers the outbox in order, up to what is in it now: a caller waits for its own hand-offs,
   * not for the ones later reports add. Anything not delivered stays and is retried from the alarm;
   * two deliveries of one item are harmless, since every receiver takes a repeat as a no-op.
   */
  private async drain(): Promise<void> {
    const last = this.sql.exec<{ id: number | null }>("SELECT MAX(id) AS id FROM outbox").one().id;
    if (last === null) return;
    for (;;) {
      const item = this.sql
        .exec<OutboxRow>("SELECT * FROM outbox WHERE id <= ? ORDER BY id LIMIT 1", last)
        .toArray()[0];
      if (!item) return;
      try {
        await this.send(item);
      } catch (err) {
        this.event(
          "log",
          item.stage,
          "warn",
          `hand-off ${item.kind} ${item.stage ?? ""} not delivered yet: ${String(err)}`,
        );
        await this.ctx.storage.setAlarm(Date.now() + RETRY_MS);
        return;
      }
      this.sql.exec("DELETE FROM outbox WHERE id = ?", item.id);
    }
  }

  private async send(item: OutboxRow): Promise<void> {
    if (item.kind === "index") {
      const row = this.row()!;
      const registry = registryOf(this.env);
      const older = await registry.indexRun({
        id: row.id,
        status: row.status,
        stage: row.stage,
        request: row.request.slice(0, 200),
        app: row.app_name ?? (JSON.parse(row.input) as PlanningInput).app ?? null,
        createdAt: row.created_at,
      });
      await this.summariseOlder(older);
      return;
    }
    if (item.kind === "release") {
      await this.admitAll(await registryOf(this.env).releaseRunSlot(this.id));
      return;
    }
    if (item.kind === "spend") {
      await registryOf(this.env).addRunSpend(JSON.parse(item.payload!) as number);
      return;
    }
    const stage = stageOf(this.env, item.stage!, this.id);
    if (item.kind === "cancel") await stage.cancel();
    else
      await stage.begin({
        runId: this.id,
        round: item.round!,
        input: JSON.parse(item.payload!),
        model: this.modelOptions(),
      });
  }

  private usage(): RunUsage {
    return JSON.parse(this.row()!.usage) as RunUsage;
  }

  /** What the next stage may use: the run's replay fixture and what is left of its token budget. */
  private modelOptions(): ModelOptions {
    const options = JSON.parse(this.row()!.options) as RunOptions;
    const usage = this.usage();
    const { tokenBudget, maxModelCalls } = this.limits(options);
    return {
      ...(options.replay ? { replay: options.replay } : {}),
      ...(options.learning === false ? { learning: false } : {}),
      budgetLeft: Math.max(0, tokenBudget - totalTokens(usage)),
      callsLeft: Math.max(0, maxModelCalls - usage.calls),
    };
  }

  private setStatus(status: RunStatus, stage: StageName | null): void {
    this.sql.exec(
      "UPDATE run SET status = ?, stage = ?, updated_at = ? WHERE id = ?",
      status,
      stage,
      new Date().toISOString(),
      this.id,
    );
  }

  private event(
    type: RunEvent["type"],
    stage: StageName | null,
    level: RunEvent["level"],
    message: string,
    data?: unknown,
  ) {
    this.sql.exec(
      "INSERT INTO events (at, type, stage, level, message, data) VALUES (?, ?, ?, ?, ?, ?)",
      new Date().toISOString(),
      type,
      stage,
      level,
      message,
      data === undefined ? null : JSON.stringify(data),
    );
    // Each wake unsubscribes itself, so wake a copy.
    for (const wake of [...this.waiters]) wake();
  }

  private row(): RunRow | null {
    return this.sql.exec<RunRow>("SELECT * FROM run").toArray()[0] ?? null;
  }

  private get id(): string {
    return this.ctx.id.toString();
  }

  private view(row: RunRow): Run {
    const stages = this.sql
      .exec<{
        name: StageName;
        status: StageStatus;
        started_at: string | null;
        finished_at: string | null;
        attempts: number;
        rounds: number;
        summary: string | null;
      }>("SELECT * FROM stages ORDER BY position")
      .toArray()
      .map(
        (s): StageState => ({
          name: s.name,
          status: s.status,
          startedAt: s.started_at,
          finishedAt: s.finished_at,
          attempts: s.attempts,
          rounds: s.rounds,
          summary: s.summary,
        }),
      );
    const self = `/v1/runs/${row.id}`;
    const pattern = this.ctx.storage.kv.get<RunPattern>(BUILT_FROM);
    return {
      id: row.id,
      status: row.status,
      stage: row.stage,
      request: row.request,
      ...(row.app_name && row.app_version && row.app_url
        ? { app: { name: row.app_name, version: row.app_version, url: row.app_url } }
        : {}),
      ...(pattern ? { pattern } : {}),
      stages,
      ...(row.error_code ? { error: { code: row.error_code, message: row.error_message ?? "" } } : {}),
      usage: JSON.parse(row.usage) as RunUsage,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      links: { self, events: `${self}/events`, tests: `${self}/tests`, files: `${self}/files` },
    };
  }
}
