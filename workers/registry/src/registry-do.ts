import { DurableObject } from "cloudflare:workers";
import {
  type AppDetail,
  type AppSpec,
  type AppSummary,
  type AppVersion,
  appUrl,
  type CodeBundle,
  type DeployAction,
  decodeCursor,
  encodeCursor,
  type GeneratedFile,
  type RunSummary,
} from "@aidevos/core";

export interface DeployRequest {
  app: string;
  spec: AppSpec;
  bundle: CodeBundle;
  runId: string;
}

export interface LiveVersion {
  app: string;
  version: number;
  codeHash: string;
  partition: "single" | "perKey";
}

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

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS apps (
        name TEXT PRIMARY KEY, partition TEXT NOT NULL, live_version INTEGER NOT NULL,
        latest_version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS versions (
        app TEXT NOT NULL, version INTEGER NOT NULL, code_hash TEXT NOT NULL, spec TEXT NOT NULL,
        main_module TEXT NOT NULL, class_name TEXT NOT NULL, run_id TEXT NOT NULL UNIQUE,
        target TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (app, version))`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS version_files (
        app TEXT NOT NULL, version INTEGER NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
        PRIMARY KEY (app, version, path))`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL,
        version INTEGER NOT NULL, from_version INTEGER, run_id TEXT)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, stage TEXT, request TEXT NOT NULL, app TEXT, created_at TEXT NOT NULL)`);
      this.sql.exec("CREATE INDEX IF NOT EXISTS runs_by_time ON runs (created_at DESC, id DESC)");
    });
  }

  /** Records a new live version from a run's bundle; the same run deploying again gets its version back. */
  async deploy(req: DeployRequest): Promise<{ version: number; created: boolean; url: string }> {
    const partition = req.spec.partition;
    const done = this.sql.exec<Row>("SELECT app, version FROM versions WHERE run_id = ?", req.runId).toArray()[0];
    if (done) return { version: Number(done.version), created: false, url: appUrl(req.app, partition) };
    const now = new Date().toISOString();
    return this.ctx.storage.transactionSync(() => {
      const app = this.sql.exec<Row>("SELECT * FROM apps WHERE name = ?", req.app).toArray()[0];
      const version = app ? Number(app.latest_version) + 1 : 1;
      this.sql.exec(
        "INSERT INTO versions (app, version, code_hash, spec, main_module, class_name, run_id, target, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'local', ?)",
        req.app,
        version,
        req.bundle.hash,
        JSON.stringify(req.spec),
        req.bundle.mainModule,
        req.bundle.className,
        req.runId,
        now,
      );
      for (const f of req.bundle.files) {
        this.sql.exec(
          "INSERT INTO version_files (app, version, path, role, content) VALUES (?, ?, ?, ?, ?)",
          req.app,
          version,
          f.path,
          f.role,
          f.content,
        );
      }
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
      return { version, created: true, url: appUrl(req.app, partition) };
    });
  }

  /** What `/apps/:name/*` serves right now. */
  async live(app: string): Promise<LiveVersion | null> {
    const row = this.sql
      .exec<Row>(
        "SELECT a.name, a.partition, a.live_version, v.code_hash FROM apps a JOIN versions v ON v.app = a.name AND v.version = a.live_version WHERE a.name = ?",
        app,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      app: String(row.name),
      version: Number(row.live_version),
      codeHash: String(row.code_hash),
      partition: row.partition as LiveVersion["partition"],
    };
  }

  async getBundle(app: string, version: number): Promise<CodeBundle | null> {
    const v = this.sql.exec<Row>("SELECT * FROM versions WHERE app = ? AND version = ?", app, version).toArray()[0];
    if (!v) return null;
    const files = this.sql
      .exec<Row>(
        "SELECT path, role, content FROM version_files WHERE app = ? AND version = ? ORDER BY path",
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
          target: "local",
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

  /** Keeps the run index in step with a run's status; called by the run on every transition. */
  async indexRun(run: RunSummary): Promise<void> {
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

  private summary(app: Row): AppSummary {
    const partition = app.partition as AppSummary["partition"];
    return {
      name: String(app.name),
      partition,
      liveVersion: Number(app.live_version),
      status: "live",
      url: appUrl(String(app.name), partition),
      createdAt: String(app.created_at),
      updatedAt: String(app.updated_at),
    };
  }
}
