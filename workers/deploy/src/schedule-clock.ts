import type { Realtime } from "./realtime-host";

type Row = Record<string, SqlStorageValue>;

/**
 * When each schedule of the live version runs next in this host's partition, in its SQLite, and
 * the one Durable Object alarm that wakes the host for the earliest. A run moves its schedule a
 * whole period on before it starts, so a run that throws (or a host that dies mid-run) waits a
 * period like any other: never a hot loop.
 */
export class ScheduleClock {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS schedules (name TEXT PRIMARY KEY, every_ms INTEGER NOT NULL, next_at INTEGER NOT NULL)",
    );
  }

  /**
   * Adopts a version's schedules: new ones first run a period from now, a shorter period brings
   * the next run forward, schedules the version lacks are dropped. Then the alarm is set (or removed).
   */
  async adopt(schedules: Realtime["schedules"], now = Date.now()): Promise<void> {
    const sql = this.storage.sql;
    const names = schedules.map((s) => s.name);
    for (const row of sql.exec<Row>("SELECT name FROM schedules").toArray())
      if (!names.includes(String(row.name))) sql.exec("DELETE FROM schedules WHERE name = ?", row.name);
    for (const s of schedules) {
      const every = s.everySeconds * 1000;
      sql.exec(
        `INSERT INTO schedules (name, every_ms, next_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET every_ms = excluded.every_ms, next_at = MIN(next_at, excluded.next_at)`,
        s.name,
        every,
        now + every,
      );
    }
    await this.arm();
  }

  /** Schedules due now, each moved on by its period before anything runs. */
  takeDue(now = Date.now()): string[] {
    const due = this.storage.sql
      .exec<Row>("SELECT name, every_ms FROM schedules WHERE next_at <= ? ORDER BY name", now)
      .toArray();
    for (const row of due)
      this.storage.sql.exec("UPDATE schedules SET next_at = ? WHERE name = ?", now + Number(row.every_ms), row.name);
    return due.map((r) => String(r.name));
  }

  /** Sets the alarm for the earliest next run; none when there is nothing to run. */
  async arm(): Promise<void> {
    const { at } = this.storage.sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM schedules").one();
    if (at === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(at);
  }
}
