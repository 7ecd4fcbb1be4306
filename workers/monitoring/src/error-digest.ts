/**
 * A new error group as the webhook is told of it: the platform's own words (the app's message quoted
 * as data, client-text.ts) and its figures, never the raw message or a sample.
 */
export interface NewErrorGroup {
  message: string;
  group: { version: number; count: number; firstSeen: string; lastSeen: string; route: string };
}

/** Error groups one webhook message carries at most; the others of the window are only counted. */
const ERROR_DIGEST_MAX = 50;

/**
 * New error groups waiting for the alert webhook. Each used to be a POST of its own, so a flood of
 * distinct errors (300 requests, 300 groups) was a flood of POSTs; now they go out with the insight
 * digest's window (the monitor's alarm, DIGEST_WINDOW_MS) as one `error_digest` message listing the
 * first ERROR_DIGEST_MAX and counting the rest (`more`): the queue never holds more than that.
 */
export class ErrorDigest {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS error_digest (seq INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS error_digest_more (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)",
    );
  }

  add(groups: NewErrorGroup[]): void {
    let waiting = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM error_digest").one().n;
    let more = 0;
    for (const group of groups) {
      if (waiting >= ERROR_DIGEST_MAX) more += 1;
      else {
        this.sql.exec("INSERT INTO error_digest (grp) VALUES (?)", JSON.stringify(group));
        waiting += 1;
      }
    }
    if (more > 0)
      this.sql.exec(
        "INSERT INTO error_digest_more (id, n) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET n = n + excluded.n",
        more,
      );
  }

  /** The waiting groups and how many more were found in the window, all taken off the queue. */
  take(): { groups: NewErrorGroup[]; more: number } {
    const rows = this.sql.exec<{ grp: string }>("SELECT grp FROM error_digest ORDER BY seq").toArray();
    const more = this.sql.exec<{ n: number }>("SELECT n FROM error_digest_more").toArray()[0]?.n ?? 0;
    this.sql.exec("DELETE FROM error_digest");
    this.sql.exec("DELETE FROM error_digest_more");
    return { groups: rows.map((r) => JSON.parse(r.grp) as NewErrorGroup), more };
  }
}
