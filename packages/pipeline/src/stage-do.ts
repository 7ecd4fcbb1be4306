import { DurableObject } from "cloudflare:workers";
import { AidevosError, type StageName, StageTimeoutError, setting } from "@aidevos/core";
import type { StageJob, StageLog, StageOutcome, StageReport } from "./stage-report";

type JobStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled";

interface JobRow {
  round: number;
  run_id: string;
  input: string;
  model: string | null;
  status: JobStatus;
  attempts: number;
  output: string | null;
  usage: string | null;
  summary: string | null;
  error_code: string | null;
  error_message: string | null;
  reported: number;
  next_at: number;
  started_at: string | null;
  finished_at: string | null;
  [key: string]: SqlStorageValue;
}

/** The run side of a hand-off: where stages report. Implemented by RunDO. */
interface RunLedger {
  reportStage(report: StageReport): Promise<unknown>;
  log(stage: StageName, level: "info" | "warn" | "error", message: string, data?: unknown): Promise<unknown>;
}

/**
 * The bindings the stage machinery itself uses: the runs its stages report to. A stage class
 * passes the Worker's env, which has these and whatever else its own work needs.
 * @public
 */
export interface StageEnv {
  RUNS: { idFromString(id: string): DurableObjectId; get(id: DurableObjectId): RunLedger };
  /** The deadline of one attempt (a setting: packages/core settings). */
  AIDEVOS_STAGE_TIMEOUT_MS?: unknown;
}

/** If a worker dies mid-job, the alarm set before the work started runs the job again after this long. */
const LEASE_MS = 30_000;

/**
 * The durable machinery every pipeline stage shares. One instance per run; each round of the run
 * (codegen runs once per refine round) is a job row in this object's SQLite storage.
 * Work happens only in `alarm()`: the job is marked running and its attempt counted before any
 * work, the outcome is stored before it is reported, and the report is retried until the run
 * acknowledges it. A restart therefore resumes at the last step that finished, and stages keep
 * their side effects idempotent per (run, round) so that a repeated attempt changes nothing twice.
 */
export abstract class StageDO<I, O, E extends StageEnv> extends DurableObject<E> {
  abstract readonly stage: StageName;
  protected readonly maxAttempts: number = 3;
  protected readonly backoffMs: number = 250;

  protected abstract perform(job: StageJob<I>, log: StageLog): Promise<StageOutcome<O>>;

  /** What the attempt in progress is doing (`at`), named by stage_timeout when its deadline passes. */
  private step: string | null = null;

  /** Marks the step the work is at: a stage that hangs there fails naming it. */
  protected at(step: string): void {
    this.step = step;
  }

  /** How long one attempt may take before the run fails with stage_timeout. */
  protected deadlineMs(): number {
    return setting(this.env, "AIDEVOS_STAGE_TIMEOUT_MS");
  }

  /**
   * The work of one attempt, or StageTimeoutError once the deadline passes: a hung step (an app that
   * never answers, a call that never returns) fails the run instead of leaving it running for good.
   */
  private async performBounded(job: StageJob<I>, log: StageLog): Promise<StageOutcome<O>> {
    const deadlineMs = this.deadlineMs();
    this.step = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StageTimeoutError(this.stage, deadlineMs, this.step)), deadlineMs);
    });
    try {
      return await Promise.race([this.perform(job, log), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (
        round INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        input TEXT NOT NULL,
        model TEXT,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        output TEXT,
        usage TEXT,
        summary TEXT,
        error_code TEXT,
        error_message TEXT,
        reported INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        started_at TEXT,
        finished_at TEXT
      )`);
    });
  }

  /** Accepts a round of work. Handing the same round over again is a no-op, so hand-offs can be retried. */
  async begin(job: StageJob<I>): Promise<{ accepted: boolean }> {
    const now = Date.now();
    const written = this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO jobs (round, run_id, input, model, status, next_at) VALUES (?, ?, ?, ?, 'pending', ?)",
      job.round,
      job.runId,
      JSON.stringify(job.input),
      job.model ? JSON.stringify(job.model) : null,
      now,
    ).rowsWritten;
    if (written > 0) await this.schedule();
    return { accepted: written > 0 };
  }

  /** Stops work that has not finished; a job already running ends its attempt but is not retried. */
  async cancel(): Promise<void> {
    this.ctx.storage.sql.exec(
      "UPDATE jobs SET status = 'cancelled', reported = 1, finished_at = ? WHERE status IN ('pending', 'running')",
      new Date().toISOString(),
    );
  }

  /**
   * Drops everything this stage kept for its run (inputs, outputs, its own tables), once the run is
   * summarised (AIDEVOS_RUNS_KEPT); never while a job is unfinished or unreported. True when dropped.
   */
  async forget(): Promise<boolean> {
    const kept = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'");
    if (kept.toArray().length === 0) return true;
    const open = this.ctx.storage.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'running') OR (status IN ('succeeded', 'failed') AND reported = 0)",
      )
      .one().n;
    if (open > 0) return false;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return true;
  }

  override async alarm(): Promise<void> {
    // Re-arm first: if this invocation dies half-way, the lease alarm picks the job up again.
    await this.ctx.storage.setAlarm(Date.now() + LEASE_MS);
    const now = Date.now();
    const due = this.ctx.storage.sql
      .exec<JobRow>(
        "SELECT * FROM jobs WHERE (status IN ('pending', 'running') OR (status IN ('succeeded', 'failed') AND reported = 0)) AND next_at <= ? ORDER BY round",
        now,
      )
      .toArray();
    for (const job of due) await this.process(job);
    await this.schedule();
  }

  private async process(row: JobRow): Promise<void> {
    let job = row;
    if (job.status === "pending" || job.status === "running") job = await this.attempt(job);
    if ((job.status === "succeeded" || job.status === "failed") && job.reported === 0) await this.reportFinal(job);
  }

  private async attempt(row: JobRow): Promise<JobRow> {
    const attempts = row.attempts + 1;
    const startedAt = row.started_at ?? new Date().toISOString();
    this.ctx.storage.sql.exec(
      "UPDATE jobs SET status = 'running', attempts = ?, started_at = ? WHERE round = ?",
      attempts,
      startedAt,
      row.round,
    );
    const run = this.ledger(row.run_id);
    await run
      .reportStage({
        stage: this.stage,
        round: row.round,
        status: "running",
        attempts,
        summary: null,
        startedAt,
        finishedAt: null,
      })
      .catch(() => undefined);
    const log: StageLog = {
      info: (message, data) => this.writeLog(run, "info", message, data),
      warn: (message, data) => this.writeLog(run, "warn", message, data),
    };
    try {
      const job: StageJob<I> = {
        runId: row.run_id,
        round: row.round,
        input: JSON.parse(row.input),
        ...(row.model ? { model: JSON.parse(row.model) } : {}),
      };
      const outcome = await this.performBounded(job, log);
      if (this.isCancelled(row.round)) return this.row(row.round);
      this.ctx.storage.sql.exec(
        "UPDATE jobs SET status = 'succeeded', output = ?, usage = ?, summary = ?, finished_at = ? WHERE round = ?",
        JSON.stringify(outcome.output ?? null),
        outcome.usage ? JSON.stringify(outcome.usage) : null,
        outcome.summary,
        new Date().toISOString(),
        row.round,
      );
    } catch (err) {
      if (this.isCancelled(row.round)) return this.row(row.round);
      const permanent = err instanceof AidevosError;
      const message = err instanceof Error ? err.message : String(err);
      // The same failure on a retry of the same input is deterministic: a third try cannot help.
      const repeated = attempts > 1 && row.error_message === message;
      if (!permanent && !repeated && attempts < this.maxAttempts) {
        const delay = this.backoffMs * 2 ** (attempts - 1);
        this.ctx.storage.sql.exec(
          "UPDATE jobs SET status = 'pending', next_at = ?, error_message = ? WHERE round = ?",
          Date.now() + delay,
          message,
          row.round,
        );
        await log.warn(`attempt ${attempts} of ${this.maxAttempts} failed: ${message}; retrying in ${delay} ms`);
        return this.row(row.round);
      }
      this.ctx.storage.sql.exec(
        "UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, summary = ?, finished_at = ? WHERE round = ?",
        permanent ? err.code : "stage_failed",
        message,
        `failed after ${attempts} attempt${attempts === 1 ? "" : "s"}${repeated ? " (the same failure twice: not retried again)" : ""}: ${message}`,
        new Date().toISOString(),
        row.round,
      );
    }
    return this.row(row.round);
  }

  private async reportFinal(job: JobRow): Promise<void> {
    try {
      await this.ledger(job.run_id).reportStage({
        stage: this.stage,
        round: job.round,
        status: job.status as "succeeded" | "failed",
        attempts: job.attempts,
        summary: job.summary,
        output: job.output === null ? undefined : JSON.parse(job.output),
        usage: job.usage === null ? undefined : JSON.parse(job.usage),
        error:
          job.status === "failed"
            ? { code: job.error_code ?? "stage_failed", message: job.error_message ?? "stage failed" }
            : undefined,
        startedAt: job.started_at,
        finishedAt: job.finished_at,
      });
      this.ctx.storage.sql.exec("UPDATE jobs SET reported = 1 WHERE round = ?", job.round);
    } catch {
      // The run did not take the report: try again on a later alarm.
      this.ctx.storage.sql.exec("UPDATE jobs SET next_at = ? WHERE round = ?", Date.now() + this.backoffMs, job.round);
    }
  }

  private async schedule(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(next_at) AS at FROM jobs WHERE status IN ('pending', 'running') OR (status IN ('succeeded', 'failed') AND reported = 0)",
      )
      .one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private async writeLog(run: RunLedger, level: "info" | "warn", message: string, data?: unknown) {
    await run.log(this.stage, level, message, data).catch(() => undefined);
  }

  private isCancelled(round: number): boolean {
    return this.row(round).status === "cancelled";
  }

  private row(round: number): JobRow {
    return this.ctx.storage.sql.exec<JobRow>("SELECT * FROM jobs WHERE round = ?", round).one();
  }

  private ledger(runId: string): RunLedger {
    return this.env.RUNS.get(this.env.RUNS.idFromString(runId));
  }
}
