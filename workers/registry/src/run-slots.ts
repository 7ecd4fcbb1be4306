/**
 * The platform's run limits, kept beside the run index: how many runs work at once (the rest wait,
 * first come first served, never failed), and what all runs spent on models per UTC day. A flood
 * of runs then waits its turn instead of failing other people's work on a busy host (issue 27).
 */

type Row = Record<string, SqlStorageValue>;

/** A slot older than this is checked against its run: a run that ended without saying so frees it. */
const STALE_SLOT_MS = 10 * 60_000;

export type SlotAnswer =
  | { kind: "admitted"; running: number; max: number }
  | { kind: "queued"; running: number; waiting: number; max: number }
  | { kind: "refused"; spentUsd: number; capUsd: number };

export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

export class RunSlots {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS run_slots (run_id TEXT PRIMARY KEY, since INTEGER NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS run_waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, since INTEGER NOT NULL)",
    );
    sql.exec("CREATE TABLE IF NOT EXISTS run_spend (day TEXT PRIMARY KEY, usd REAL NOT NULL)");
  }

  running(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM run_slots").one().n;
  }

  waiting(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM run_waiting").one().n;
  }

  spent(day: string): number {
    return Number(this.sql.exec<Row>("SELECT usd FROM run_spend WHERE day = ?", day).toArray()[0]?.usd ?? 0);
  }

  addSpend(day: string, usd: number): void {
    if (!(usd > 0)) return;
    this.sql.exec(
      "INSERT INTO run_spend (day, usd) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET usd = usd + excluded.usd",
      day,
      usd,
    );
    // A month of days is plenty to read back; older ones go.
    this.sql.exec("DELETE FROM run_spend WHERE day < ?", utcDay(Date.parse(`${day}T00:00:00Z`) - 31 * 86_400_000));
  }

  /** Slots held longer than STALE_SLOT_MS, for the caller to check against their runs. */
  stale(now: number): string[] {
    return this.sql
      .exec<Row>("SELECT run_id FROM run_slots WHERE since < ?", now - STALE_SLOT_MS)
      .toArray()
      .map((r) => String(r.run_id));
  }

  /** A slot for the run, or its place in the queue; a run already holding or awaiting one keeps it. */
  acquire(runId: string, max: number, now: number): SlotAnswer {
    const running = this.running();
    if (this.sql.exec<Row>("SELECT 1 FROM run_slots WHERE run_id = ?", runId).toArray().length)
      return { kind: "admitted", running, max };
    if (running < max && this.waiting() === 0) {
      this.sql.exec("INSERT INTO run_slots (run_id, since) VALUES (?, ?)", runId, now);
      return { kind: "admitted", running: running + 1, max };
    }
    this.sql.exec("INSERT OR IGNORE INTO run_waiting (run_id, since) VALUES (?, ?)", runId, now);
    return { kind: "queued", running, waiting: this.waiting(), max };
  }

  /** The run no longer holds or awaits a slot. */
  release(runId: string): void {
    this.sql.exec("DELETE FROM run_slots WHERE run_id = ?", runId);
    this.sql.exec("DELETE FROM run_waiting WHERE run_id = ?", runId);
  }

  /** Moves the oldest waiting runs into free slots; returns them, to be started. */
  promote(max: number, now: number): string[] {
    const free = max - this.running();
    if (free <= 0) return [];
    const next = this.sql
      .exec<Row>("SELECT run_id FROM run_waiting ORDER BY seq LIMIT ?", free)
      .toArray()
      .map((r) => String(r.run_id));
    for (const id of next) {
      this.sql.exec("DELETE FROM run_waiting WHERE run_id = ?", id);
      this.sql.exec("INSERT OR IGNORE INTO run_slots (run_id, since) VALUES (?, ?)", id, now);
    }
    return next;
  }

  /** A promoted run that could not be started goes back to the head of the queue. */
  requeue(runId: string, now: number): void {
    this.sql.exec("DELETE FROM run_slots WHERE run_id = ?", runId);
    const head = this.sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM run_waiting").one().seq;
    this.sql.exec(
      "INSERT OR IGNORE INTO run_waiting (seq, run_id, since) VALUES (?, ?, ?)",
      head === null ? null : head - 1,
      runId,
      now,
    );
  }
}
