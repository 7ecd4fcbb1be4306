import type { OutboundStats } from "@aidevos/core";
import { addToHistogram, emptyHistogram, histogramPercentile } from "./histogram";

/** Calls an app's actions made through ctx.fetch, per origin: count, errors (5xx or no answer) and latency. */
export class OutboundStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS outbound_calls (
      origin TEXT PRIMARY KEY, count INTEGER NOT NULL, errors INTEGER NOT NULL, histogram TEXT NOT NULL)`);
  }

  record(origin: string, ms: number, ok: boolean): void {
    const row = this.sql
      .exec<{ histogram: string }>("SELECT histogram FROM outbound_calls WHERE origin = ?", origin)
      .toArray()[0];
    const hist = row ? (JSON.parse(row.histogram) as number[]) : emptyHistogram();
    addToHistogram(hist, ms);
    this.sql.exec(
      `INSERT INTO outbound_calls (origin, count, errors, histogram) VALUES (?, 1, ?, ?)
       ON CONFLICT (origin) DO UPDATE SET count = count + 1, errors = errors + excluded.errors, histogram = excluded.histogram`,
      origin,
      ok ? 0 : 1,
      JSON.stringify(hist),
    );
  }

  list(): OutboundStats[] {
    return this.sql
      .exec<{ origin: string; count: number; errors: number; histogram: string }>(
        "SELECT * FROM outbound_calls ORDER BY origin LIMIT 100",
      )
      .toArray()
      .map((r) => ({
        origin: r.origin,
        count: r.count,
        errors: r.errors,
        p95Ms: histogramPercentile(JSON.parse(r.histogram) as number[], 95),
      }));
  }
}
