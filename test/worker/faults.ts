import type { StageJob } from "../../packages/pipeline/src/index";

/**
 * Where a planned fault kills an attempt: `before` the stage does any work, or `after` its work is
 * done (for deploy: the version is recorded in the Registry and published) but before the stage
 * stores the outcome, as a worker dying at that moment would; or it `hang`s before any work, at a step
 * named "a step that never ends", awaiting a promise that never settles (the stage's deadline must end it).
 */
/** `same`: before the work, with the same message every attempt (a deterministic failure). */
export type FaultPoint = "before" | "after" | "hang" | "same";

/** One fault that fired, as the stage object recorded it in its own SQLite storage. */
export interface FiredFault {
  point: FaultPoint;
  runId: string;
  round: number;
  /** The job's attempt count (from the stage's jobs table) when the fault fired. */
  attempt: number;
}

/**
 * The faults of one stage object: what a test planned and what fired, both rows in the object's own
 * SQLite storage, so a test proves each planned fault really fired (and on which attempt) even if
 * the object was evicted meanwhile. Only the test subclasses in test/worker/index.ts hold one.
 */
export class Faults {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS fault_plan (point TEXT PRIMARY KEY, remaining INTEGER NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS faults_fired (
      n INTEGER PRIMARY KEY AUTOINCREMENT, point TEXT NOT NULL, run_id TEXT NOT NULL,
      round INTEGER NOT NULL, attempt INTEGER NOT NULL)`);
    sql.exec("CREATE TABLE IF NOT EXISTS fault_deadline (id INTEGER PRIMARY KEY CHECK (id = 1), ms INTEGER NOT NULL)");
  }

  /** A stage deadline for this stage object's attempts, in place of AIDEVOS_STAGE_TIMEOUT_MS. */
  setDeadline(ms: number): void {
    this.sql.exec("INSERT OR REPLACE INTO fault_deadline (id, ms) VALUES (1, ?)", ms);
  }

  deadlineMs(): number | null {
    return this.sql.exec<{ ms: number }>("SELECT ms FROM fault_deadline").toArray()[0]?.ms ?? null;
  }

  /** The next `count` attempts of this stage object die at `point`. */
  plan(count: number, point: FaultPoint): void {
    this.sql.exec(
      "INSERT INTO fault_plan (point, remaining) VALUES (?, ?) ON CONFLICT (point) DO UPDATE SET remaining = excluded.remaining",
      point,
      count,
    );
  }

  fired(): FiredFault[] {
    return this.sql
      .exec<{ point: FaultPoint; run_id: string; round: number; attempt: number }>(
        "SELECT point, run_id, round, attempt FROM faults_fired ORDER BY n",
      )
      .toArray()
      .map((r) => ({ point: r.point, runId: r.run_id, round: r.round, attempt: r.attempt }));
  }

  /** Attempts per round as the stage's own jobs table holds them (StageDO counts them there). */
  attemptsStored(): { round: number; attempts: number; status: string }[] {
    return this.sql
      .exec<{ round: number; attempts: number; status: string }>(
        "SELECT round, attempts, status FROM jobs ORDER BY round",
      )
      .toArray();
  }

  /** Runs a stage's work with the planned faults around it. */
  async around<T>(job: StageJob<unknown>, work: () => Promise<T>, at?: (step: string) => void): Promise<T> {
    try {
      this.fire(job, "hang");
    } catch {
      at?.("a step that never ends");
      await new Promise<never>(() => {});
    }
    this.fire(job, "before");
    this.fire(job, "same");
    const outcome = await work();
    this.fire(job, "after");
    return outcome;
  }

  /** Counts a planned fault down and records it in one synchronous step (no other event interleaves), then throws. */
  private fire(job: StageJob<unknown>, point: FaultPoint): void {
    const planned = this.sql
      .exec<{ remaining: number }>("SELECT remaining FROM fault_plan WHERE point = ?", point)
      .toArray()[0];
    if (!planned || planned.remaining <= 0) return;
    const { attempts } = this.sql
      .exec<{ attempts: number }>("SELECT attempts FROM jobs WHERE round = ?", job.round)
      .one();
    this.sql.exec("UPDATE fault_plan SET remaining = remaining - 1 WHERE point = ?", point);
    this.sql.exec(
      "INSERT INTO faults_fired (point, run_id, round, attempt) VALUES (?, ?, ?, ?)",
      point,
      job.runId,
      job.round,
      attempts,
    );
    if (point === "same") throw new Error("injected deterministic fault");
    throw new Error(`injected fault (${point} the work, attempt ${attempts})`);
  }
}

/** What a test subclass carries; test/support/faults.ts reaches it with runInDurableObject. */
export interface WithFaults {
  readonly faults: Faults;
}
