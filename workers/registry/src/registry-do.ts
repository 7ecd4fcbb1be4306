import { DurableObject } from "cloudflare:workers";
import {
  type AppDetail,
  type AppSpec,
  type AppSummary,
  type AppVersion,
  appUrl,
  type CloudflareVersion,
  type CodeBundle,
  type DeployAction,
  decodeCursor,
  encodeCursor,
  type GeneratedFile,
  type RunSummary,
  setting,
  sha256Hex,
  TERMINAL_RUN_STATUSES,
  type VersionChange,
} from "@aidevos/core";
import { dropVersion, pruneVersions } from "./prune";

export interface DeployRequest {
  app: string;
  spec: AppSpec;
  bundle: CodeBundle;
  runId: string;
  cloudflare?: CloudflareVersion;
}

export interface LiveVersion {
  app: string;
  version: number;
  codeHash: string;
  partition: "single" | "perKey";
  /** The live spec's `access`: "key" apps take requests with an app key only (AppHostDO.authorize). */
  access?: "public" | "key";
  /** Grows with every change the Registry records for the app, so copies of this pointer can tell which is newer. */
  generation: number;
}

import { RunSlots, type SlotAnswer, utcDay } from "./run-slots";

type Row = Record<string, SqlStorageValue>;
type Page<T> = { items: T[]; nextCursor: string | null };

const isPosition = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string";

/**
 * The record of every deployed app: versions with their code, the live version, the deploy
 * history, and the index of runs. One instance ("global"); deploys are idempotent per run, so a
 * deploy stage that retries after a crash never makes a second version.
 */
export class RegistryDO extends DurableObject<Env> {
  private readonly sql = this.ctx.storage.sql;
  private readonly slots = new RunSlots(this.ctx.storage.sql);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS apps (
        name TEXT PRIMARY KEY, partition TEXT NOT NULL, live_version INTEGER NOT NULL,
        latest_version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS versions (
        app TEXT NOT NULL, version INTEGER NOT NULL, code_hash TEXT NOT NULL, spec TEXT NOT NULL,
        main_module TEXT NOT NULL, class_name TEXT NOT NULL, run_id TEXT NOT NULL UNIQUE,
        cloudflare TEXT, created_at TEXT NOT NULL, PRIMARY KEY (app, version))`);
      // A file's content is stored once however many versions and apps carry it: offline apps share
      // their whole runtime, and a new version usually changes few files.
      this.sql.exec("CREATE TABLE IF NOT EXISTS file_contents (hash TEXT PRIMARY KEY, content TEXT NOT NULL)");
      await this.storeFilesByContent();
      this.sql.exec(`CREATE TABLE IF NOT EXISTS history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL,
        version INTEGER NOT NULL, from_version INTEGER, run_id TEXT)`);
      this.sql.exec("CREATE INDEX IF NOT EXISTS history_by_app ON history (app, seq)");
      this.sql.exec(`CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, stage TEXT, request TEXT NOT NULL, app TEXT, created_at TEXT NOT NULL)`);
      this.sql.exec("CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at DESC, id DESC)");
      // Set once a finished run past AIDEVOS_RUNS_KEPT has dropped everything but its summary.
      const columns = this.sql.exec<Row>("PRAGMA table_info(runs)").toArray();
      if (!columns.some((c) => c.name === "summarised"))
        this.sql.exec("ALTER TABLE runs ADD COLUMN summarised INTEGER NOT NULL DEFAULT 0");
    });
  }

  /** Records a new live version from a run's bundle; the same run deploying again gets its version back. */
  async deploy(req: DeployRequest): Promise<{ version: number; created: boolean; url: string }> {
    const partition = req.spec.partition;
    // Hashed first: an await between the check below and the write would let a retry of this run in between.
    const hashes = await Promise.all(req.bundle.files.map((f) => sha256Hex(f.content)));
    const done = this.sql.exec<Row>("SELECT app, version FROM versions WHERE run_id = ?", req.runId).toArray()[0];
    if (done) return { version: Number(done.version), created: false, url: appUrl(req.app, partition) };
    const now = new Date().toISOString();
    return this.ctx.storage.transactionSync(() => {
      const app = this.sql.exec<Row>("SELECT * FROM apps WHERE name = ?", req.app).toArray()[0];
      const version = app ? Number(app.latest_version) + 1 : 1;
      this.sql.exec(
        "INSERT INTO versions (app, version, code_hash, spec, main_module, class_name, run_id, cloudflare, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        req.app,
        version,
        req.bundle.hash,
        JSON.stringify(req.spec),
        req.bundle.mainModule,
        req.bundle.className,
        req.runId,
        req.cloudflare ? JSON.stringify(req.cloudflare) : null,
        now,
      );
      for (const [i, f] of req.bundle.files.entries()) this.addFile(req.app, version, f, hashes[i]!);
      if (app) {
        this.sql.exec(
          "UPDATE apps SET partition = ?, live_version = ?, latest_version = ?, updated_at = ? WHERE name = ?",
          partition,
          version,
          version,
          now,
          req.app,
        );
      } else {
        this.sql.exec(
          "INSERT INTO apps (name, partition, live_version, latest_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
          req.app,
          partition,
          version,
          version,
          now,
          now,
        );
      }
      this.sql.exec(
        "INSERT INTO history (app, at, action, version, from_version, run_id) VALUES (?, ?, ?, ?, ?, ?)",
        req.app,
        now,
        app ? "update" : "create",
        version,
        app ? Number(app.live_version) : null,
        req.runId,
      );
      // Versions kept per app are bounded (13 identical versions from one flood were all kept).
      pruneVersions(this.sql, req.app, setting(this.env, "AIDEVOS_VERSIONS_KEPT"));
      return { version, created: true, url: appUrl(req.app, partition) };
    });
  }

  /**
   * The first of `base`, `base-2`, `base-3`… that no app has, for a new app named from free text.
   * Free now, not reserved: the deploy refuses a new app's run on a name taken since (AppControlDO).
   */
  async freeAppName(base: string): Promise<string> {
    const taken = (name: string) => this.sql.exec("SELECT 1 FROM apps WHERE name = ?", name).toArray().length > 0;
    if (!taken(base)) return base;
    for (let n = 2; n < 100; n++) {
      const name = `${base.slice(0, 35)}-${n}`;
      if (!taken(name)) return name;
    }
    return `${base.slice(0, 30)}-${crypto.randomUUID().slice(0, 8)}`;
  }

  /**
   * Takes back the version a run recorded, while it is still the app's newest and live one: its
   * deploy could not go live on Cloudflare, so the Registry must not name it. The version it replaced
   * is live again (or the app is gone, when it was the first). False when there is nothing to take back.
   */
  async unrecord(app: string, runId: string): Promise<boolean> {
    return this.ctx.storage.transactionSync(() => {
      const v = this.sql
        .exec<Row>(
          "SELECT v.version FROM versions v JOIN apps a ON a.name = v.app WHERE v.app = ? AND v.run_id = ? AND a.live_version = v.version AND a.latest_version = v.version",
          app,
          runId,
        )
        .toArray()[0];
      if (!v) return false;
      const version = Number(v.version);
      const made = this.sql
        .exec<Row>(
          "SELECT seq, from_version FROM history WHERE app = ? AND run_id = ? AND version = ? AND action IN ('create', 'update') ORDER BY seq DESC LIMIT 1",
          app,
          runId,
          version,
        )
        .toArray()[0];
      dropVersion(this.sql, app, version);
      if (made) this.sql.exec("DELETE FROM history WHERE seq = ?", made.seq);
      const before = made?.from_version ?? null;
      if (before === null) {
        this.sql.exec("DELETE FROM apps WHERE name = ?", app);
        this.sql.exec("DELETE FROM history WHERE app = ?", app);
        return true;
      }
      this.sql.exec(
        "UPDATE apps SET live_version = ?, latest_version = (SELECT MAX(version) FROM versions WHERE app = ?), updated_at = ? WHERE name = ?",
        Number(before),
        app,
        new Date().toISOString(),
        app,
      );
      return true;
    });
  }

  /** What `/apps/:name/*` serves right now. */
  async live(app: string): Promise<LiveVersion | null> {
    const row = this.sql
      .exec<Row>(
        `SELECT a.name, a.partition, a.live_version, v.code_hash, json_extract(v.spec, '$.access') AS access, (SELECT MAX(seq) FROM history h WHERE h.app = a.name) AS generation
         FROM apps a JOIN versions v ON v.app = a.name AND v.version = a.live_version WHERE a.name = ?`,
        app,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      app: String(row.name),
      version: Number(row.live_version),
      codeHash: String(row.code_hash),
      partition: row.partition as LiveVersion["partition"],
      access: row.access === "key" ? "key" : "public",
      generation: Number(row.generation),
    };
  }

  /**
   * The spec of a version (the live one when `version` is left out), with the spec of the version
   * before it: what the app's OpenAPI document and its contract diff are generated from.
   */
  async specs(
    app: string,
    version?: number,
  ): Promise<{ version: number; spec: AppSpec; previous: { version: number; spec: AppSpec } | null } | null> {
    const v =
      version ??
      (this.sql.exec<Row>("SELECT live_version FROM apps WHERE name = ?", app).toArray()[0]?.live_version as
        | number
        | undefined);
    if (v === undefined) return null;
    const rows = this.sql
      .exec<Row>(
        "SELECT version, spec FROM versions WHERE app = ? AND version <= ? ORDER BY version DESC LIMIT 2",
        app,
        Number(v),
      )
      .toArray();
    if (rows.length === 0 || Number(rows[0]!.version) !== Number(v)) return null;
    const parse = (row: Row) => ({ version: Number(row.version), spec: JSON.parse(String(row.spec)) as AppSpec });
    return { ...parse(rows[0]!), previous: rows[1] ? parse(rows[1]) : null };
  }

  async getBundle(app: string, version: number): Promise<CodeBundle | null> {
    const v = this.sql.exec<Row>("SELECT * FROM versions WHERE app = ? AND version = ?", app, version).toArray()[0];
    if (!v) return null;
    const files = this.sql
      .exec<Row>(
        "SELECT f.path, f.role, c.content FROM version_files f JOIN file_contents c ON c.hash = f.hash WHERE f.app = ? AND f.version = ? ORDER BY f.path",
        app,
        version,
      )
      .toArray()
      .map((f) => ({ path: String(f.path), role: f.role as GeneratedFile["role"], content: String(f.content) }));
    return { mainModule: String(v.main_module), className: String(v.class_name), hash: String(v.code_hash), files };
  }

  async getApp(name: string): Promise<AppDetail | null> {
    const app = this.sql.exec<Row>("SELECT * FROM apps WHERE name = ?", name).toArray()[0];
    if (!app) return null;
    const versions = this.sql
      .exec<Row>("SELECT * FROM versions WHERE app = ? ORDER BY version", name)
      .toArray()
      .map(
        (v): AppVersion => ({
          version: Number(v.version),
          codeHash: String(v.code_hash),
          runId: String(v.run_id),
          cloudflare: v.cloudflare === null ? null : (JSON.parse(String(v.cloudflare)) as CloudflareVersion),
          createdAt: String(v.created_at),
        }),
      );
    const history = this.sql
      .exec<Row>("SELECT * FROM history WHERE app = ? ORDER BY seq", name)
      .toArray()
      .map(
        (h): DeployAction => ({
          at: String(h.at),
          action: h.action as DeployAction["action"],
          version: Number(h.version),
          fromVersion: h.from_version === null ? null : Number(h.from_version),
          runId: h.run_id === null ? null : String(h.run_id),
        }),
      );
    const spec = this.sql
      .exec<Row>("SELECT spec FROM versions WHERE app = ? AND version = ?", name, app.live_version)
      .one().spec;
    return { ...this.summary(app), spec: JSON.parse(String(spec)), versions, history };
  }

  async listApps(limit: number, cursor?: string): Promise<Page<AppSummary> | null> {
    const after = cursor === undefined ? "" : decodeCursor(cursor, (v): v is string => typeof v === "string");
    if (after === null) return null;
    const rows = this.sql
      .exec<Row>("SELECT * FROM apps WHERE name > ? ORDER BY name LIMIT ?", after, limit + 1)
      .toArray();
    const items = rows.slice(0, limit).map((r) => this.summary(r));
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.name) : null };
  }

  /** The Cloudflare side of the live version, which the next deploy builds on. */
  async liveCloudflare(app: string): Promise<CloudflareVersion | null> {
    const row = this.sql
      .exec<Row>(
        "SELECT v.cloudflare FROM apps a JOIN versions v ON v.app = a.name AND v.version = a.live_version WHERE a.name = ?",
        app,
      )
      .toArray()[0];
    return row?.cloudflare ? (JSON.parse(String(row.cloudflare)) as CloudflareVersion) : null;
  }

  /**
   * The live version's code was uploaded to Cloudflare again (a deploy whose record failed was taken
   * back): its record names that upload, whose version id and migration tag the next deploy builds on.
   * Only while `version` is still live; a later change has recorded its own upload.
   */
  async restoredOnCloudflare(app: string, version: number, cloudflare: CloudflareVersion): Promise<void> {
    this.sql.exec(
      "UPDATE versions SET cloudflare = ? WHERE app = ? AND version = ? AND version = (SELECT live_version FROM apps WHERE name = ?)",
      JSON.stringify(cloudflare),
      app,
      version,
      app,
    );
  }

  /** Which version a rollback would return to, without changing anything. */
  async rollbackTarget(app: string, version?: number): Promise<VersionChange> {
    const row = this.sql.exec<Row>("SELECT live_version FROM apps WHERE name = ?", app).toArray()[0];
    if (!row) return { ok: false, reason: "no_app", message: `app ${app} not found` };
    const live = Number(row.live_version);
    const target = this.sql
      .exec<Row>(
        version === undefined
          ? "SELECT version, cloudflare FROM versions WHERE app = ? AND version < ? ORDER BY version DESC LIMIT 1"
          : "SELECT version, cloudflare FROM versions WHERE app = ? AND version = ?",
        app,
        version ?? live,
      )
      .toArray()[0];
    if (!target) {
      return {
        ok: false,
        reason: "no_version",
        message: version === undefined ? `${app} has no version before v${live}` : `${app} has no version ${version}`,
      };
    }
    if (Number(target.version) === live)
      return { ok: false, reason: "already_live", message: `v${live} is already live` };
    return {
      ok: true,
      version: Number(target.version),
      fromVersion: live,
      cloudflare: target.cloudflare ? (JSON.parse(String(target.cloudflare)) as CloudflareVersion) : null,
    };
  }

  /** Makes an earlier version live again; its code is served on the next request, on the same data. */
  async rollback(app: string, version: number, runId: string | null): Promise<VersionChange> {
    const change = await this.rollbackTarget(app, version);
    if (!change.ok) return change;
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?", change.version, now, app);
      this.sql.exec(
        "INSERT INTO history (app, at, action, version, from_version, run_id) VALUES (?, ?, 'rollback', ?, ?, ?)",
        app,
        now,
        change.version,
        change.fromVersion,
        runId,
      );
    });
    return change;
  }

  /** A canary takes all the traffic. */
  async promote(app: string): Promise<VersionChange> {
    const cloud = await this.liveCloudflare(app);
    const live = this.sql.exec<Row>("SELECT live_version FROM apps WHERE name = ?", app).toArray()[0];
    if (!live) return { ok: false, reason: "no_app", message: `app ${app} not found` };
    if (!cloud || cloud.percentage >= 100) {
      return { ok: false, reason: "nothing_to_promote", message: `v${live.live_version} of ${app} is not a canary` };
    }
    const version = Number(live.live_version);
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "UPDATE versions SET cloudflare = ? WHERE app = ? AND version = ?",
        JSON.stringify({ ...cloud, percentage: 100 }),
        app,
        version,
      );
      this.sql.exec(
        "INSERT INTO history (app, at, action, version, from_version, run_id) VALUES (?, ?, 'promote', ?, ?, NULL)",
        app,
        now,
        version,
        version,
      );
    });
    return { ok: true, version, fromVersion: version, cloudflare: { ...cloud, percentage: 100 } };
  }

  /**
   * Keeps the run index in step with a run's status; called by the run on every transition. When
   * the run has finished, answers the finished runs past the newest AIDEVOS_RUNS_KEPT that still
   * hold more than their summary (a few at a time): the caller has them summarised (RunDO.summarise).
   */
  async indexRun(run: RunSummary): Promise<string[]> {
    this.sql.exec(
      `INSERT INTO runs (id, status, stage, request, app, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, stage = excluded.stage, app = excluded.app`,
      run.id,
      run.status,
      run.stage,
      run.request,
      run.app,
      run.createdAt,
    );
    if (!TERMINAL_RUN_STATUSES.includes(run.status)) return [];
    const terminal = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(", ");
    return this.sql
      .exec<Row>(
        `SELECT id FROM (SELECT id, summarised FROM runs WHERE status IN (${terminal}) ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?) WHERE summarised = 0 LIMIT 20`,
        setting(this.env, "AIDEVOS_RUNS_KEPT"),
      )
      .toArray()
      .map((r) => String(r.id));
  }

  /** Runs that now hold their summary only. */
  async runsSummarised(ids: string[]): Promise<void> {
    for (const id of ids) this.sql.exec("UPDATE runs SET summarised = 1 WHERE id = ?", id);
  }

  /**
   * A run asks to start: a slot (AIDEVOS_MAX_CONCURRENT_RUNS), a place in the queue, or a refusal
   * once today's model spend reached AIDEVOS_DAILY_SPEND_USD. `start` lists waiting runs that took
   * slots freed by runs that ended without saying so (the index says they ended): the caller starts them.
   */
  async acquireRunSlot(runId: string): Promise<SlotAnswer & { start: string[] }> {
    const now = Date.now();
    const capUsd = setting(this.env, "AIDEVOS_DAILY_SPEND_USD");
    const spentUsd = this.slots.spent(utcDay(now));
    if (spentUsd >= capUsd) return { kind: "refused", spentUsd, capUsd, start: [] };
    for (const id of this.slots.stale(now)) {
      const status = this.sql.exec<Row>("SELECT status FROM runs WHERE id = ?", id).toArray()[0]?.status;
      if (status === undefined || TERMINAL_RUN_STATUSES.includes(status as never)) this.slots.release(id);
    }
    const max = setting(this.env, "AIDEVOS_MAX_CONCURRENT_RUNS");
    const start = this.slots.promote(max, now);
    return { ...this.slots.acquire(runId, max, now), start };
  }

  /** A run ended (or was cancelled while waiting): its slot goes to the oldest waiting runs, returned to be started. */
  async releaseRunSlot(runId: string): Promise<string[]> {
    this.slots.release(runId);
    return this.slots.promote(setting(this.env, "AIDEVOS_MAX_CONCURRENT_RUNS"), Date.now());
  }

  /** A run given a slot could not be told: it waits at the head of the queue again. */
  async requeueRun(runId: string): Promise<void> {
    this.slots.requeue(runId, Date.now());
  }

  /** What a run's model calls cost, added to today's platform-wide spend. */
  async addRunSpend(usd: number): Promise<void> {
    this.slots.addSpend(utcDay(Date.now()), usd);
  }

  /** The run limits as they stand now (the dashboard shows them). */
  async runLimits() {
    return {
      day: utcDay(Date.now()),
      running: this.slots.running(),
      waiting: this.slots.waiting(),
      maxConcurrent: setting(this.env, "AIDEVOS_MAX_CONCURRENT_RUNS"),
      spentTodayUsd: this.slots.spent(utcDay(Date.now())),
      dailySpendCapUsd: setting(this.env, "AIDEVOS_DAILY_SPEND_USD"),
    };
  }

  /** Runs, newest first. Null for a cursor this index did not give out. */
  async listRuns(limit: number, cursor?: string): Promise<Page<RunSummary> | null> {
    const position = cursor === undefined ? null : decodeCursor(cursor, isPosition);
    if (cursor !== undefined && position === null) return null;
    const rows = position
      ? this.sql
          .exec<Row>(
            "SELECT * FROM runs WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?",
            position[0],
            position[1],
            limit + 1,
          )
          .toArray()
      : this.sql.exec<Row>("SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ?", limit + 1).toArray();
    const items = rows.slice(0, limit).map(
      (r): RunSummary => ({
        id: String(r.id),
        status: r.status as RunSummary["status"],
        stage: (r.stage ?? null) as RunSummary["stage"],
        request: String(r.request),
        app: r.app === null ? null : String(r.app),
        createdAt: String(r.created_at),
      }),
    );
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
  }

  /** Bytes of the Registry's SQLite storage. */
  async storageBytes(): Promise<number> {
    return this.sql.databaseSize;
  }

  private addFile(app: string, version: number, file: GeneratedFile, hash: string): void {
    this.sql.exec("INSERT OR IGNORE INTO file_contents (hash, content) VALUES (?, ?)", hash, file.content);
    this.sql.exec(
      "INSERT INTO version_files (app, version, path, role, hash) VALUES (?, ?, ?, ?, ?)",
      app,
      version,
      file.path,
      file.role,
      hash,
    );
  }

  /**
   * Creates the table of versions' files. A Registry that kept a copy of the content in every row has
   * that table renamed and moved over in one transaction; a move cut short by a restart is done on the next start.
   */
  private async storeFilesByContent(): Promise<void> {
    const tables = new Map(
      this.sql
        .exec<{ name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('version_files', 'version_files_copies')",
        )
        .toArray()
        .map((t) => [t.name, t.sql]),
    );
    if (/\bcontent\b/.test(tables.get("version_files") ?? "")) {
      this.sql.exec("ALTER TABLE version_files RENAME TO version_files_copies");
      tables.set("version_files_copies", "");
    }
    this.sql.exec(`CREATE TABLE IF NOT EXISTS version_files (
      app TEXT NOT NULL, version INTEGER NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL,
      PRIMARY KEY (app, version, path))`);
    if (!tables.has("version_files_copies")) return;
    const old = this.sql.exec<Row>("SELECT * FROM version_files_copies").toArray();
    const hashes = await Promise.all(old.map((f) => sha256Hex(String(f.content))));
    this.ctx.storage.transactionSync(() => {
      for (const [i, f] of old.entries()) {
        const file = { path: String(f.path), role: f.role as GeneratedFile["role"], content: String(f.content) };
        this.addFile(String(f.app), Number(f.version), file, hashes[i]!);
      }
      this.sql.exec("DROP TABLE version_files_copies");
    });
  }

  private summary(app: Row): AppSummary {
    const partition = app.partition as AppSummary["partition"];
    const cloud = this.sql
      .exec<Row>("SELECT cloudflare FROM versions WHERE app = ? AND version = ?", app.name, app.live_version)
      .toArray()[0]?.cloudflare;
    const canary = cloud ? (JSON.parse(String(cloud)) as CloudflareVersion).percentage < 100 : false;
    return {
      name: String(app.name),
      partition,
      liveVersion: Number(app.live_version),
      status: canary ? "canary" : "live",
      url: appUrl(String(app.name), partition),
      createdAt: String(app.created_at),
      updatedAt: String(app.updated_at),
    };
  }
}
