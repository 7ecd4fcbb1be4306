import type { AppMetrics, ErrorGroup, FeedEntry, RequestEvent, UsageDay } from "@aidevos/core";
import { addToHistogram, emptyHistogram, histogramPercentile, mergeHistograms } from "./histogram";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Minute buckets are kept this long, then folded into hours; hours and usage days for 30 days. */
const MINUTES_KEPT_MS = 2 * HOUR;
const HOURS_KEPT_MS = 30 * 24 * HOUR;

type Row = Record<string, SqlStorageValue>;

/** What an app's monitor keeps at most (docs/security.md, Quotas; read from settings by AppMonitorDO). */
export interface MonitorQuotas {
  errorGroups: number;
  feedRows: number;
  usageKeysPerDay: number;
}
const UNBOUNDED: MonitorQuotas = { errorGroups: Infinity, feedRows: Infinity, usageKeysPerDay: Infinity };
/** Requests, then 2xx, 3xx, 4xx and 5xx: the columns of a bucket or a usage day. */
type Counts = [number, number, number, number, number];
const noCounts = (): Counts => [0, 0, 0, 0, 0];
function count(counts: Counts, status: number): void {
  counts[0] += 1;
  counts[status >= 500 ? 4 : status >= 400 ? 3 : status >= 300 ? 2 : 1] += 1;
}

/** The tables of an app's record, in the order a copy of them is loaded. */
export const MONITOR_TABLES = ["buckets", "error_groups", "usage_days", "usage_keys", "feed", "actions"] as const;

/**
 * One app's production record in its monitor's SQLite: latency and status per version and time
 * bucket, error groups, daily usage and the feed the user sees. Raw events are never stored; they
 * are folded into buckets as they arrive, and old minutes fold into hours, so storage stays bounded.
 */
export class AppMonitorStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly quotas: () => MonitorQuotas = () => UNBOUNDED,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS buckets (
      granularity TEXT NOT NULL, start INTEGER NOT NULL, version INTEGER NOT NULL,
      requests INTEGER NOT NULL, s2 INTEGER NOT NULL, s3 INTEGER NOT NULL, s4 INTEGER NOT NULL, s5 INTEGER NOT NULL,
      hist TEXT NOT NULL, PRIMARY KEY (granularity, start, version))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS error_groups (
      fingerprint TEXT PRIMARY KEY, message TEXT NOT NULL, frame TEXT NOT NULL, version INTEGER NOT NULL,
      count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, sample TEXT, notified INTEGER NOT NULL DEFAULT 0)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS usage_days (
      day TEXT NOT NULL, route TEXT NOT NULL, requests INTEGER NOT NULL,
      s2 INTEGER NOT NULL, s3 INTEGER NOT NULL, s4 INTEGER NOT NULL, s5 INTEGER NOT NULL, PRIMARY KEY (day, route))`);
    sql.exec(
      "CREATE TABLE IF NOT EXISTS usage_keys (day TEXT NOT NULL, route TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (day, route, key))",
    );
    sql.exec(
      "CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, data TEXT)",
    );
    sql.exec(
      "CREATE TABLE IF NOT EXISTS actions (kind TEXT NOT NULL, version INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (kind, version))",
    );
  }

  /**
   * Folds a batch of events in; returns the error groups seen for the first time. The batch is
   * summed in memory first, so a write touches each minute, day and route once, not each event.
   */
  ingest(events: RequestEvent[]): ErrorGroup[] {
    const minutes = new Map<string, { start: number; version: number; counts: Counts; hist: number[] }>();
    const days = new Map<string, { day: string; route: string; counts: Counts }>();
    const keys = new Map<string, [string, string, string]>();
    for (const e of events) {
      const start = e.at - (e.at % MINUTE);
      const minute = minutes.get(`${start}/${e.version}`) ?? {
        start,
        version: e.version,
        counts: noCounts(),
        hist: emptyHistogram(),
      };
      minutes.set(`${start}/${e.version}`, minute);
      count(minute.counts, e.status);
      addToHistogram(minute.hist, e.ms);
      const day = new Date(e.at).toISOString().slice(0, 10);
      const usage = days.get(`${day} ${e.route}`) ?? { day, route: e.route, counts: noCounts() };
      days.set(`${day} ${e.route}`, usage);
      count(usage.counts, e.status);
      if (e.key) keys.set(`${day} ${e.route} ${e.key}`, [day, e.route, e.key]);
    }
    for (const m of minutes.values()) {
      const row = this.sql
        .exec<Row>("SELECT hist FROM buckets WHERE granularity = 'm' AND start = ? AND version = ?", m.start, m.version)
        .toArray()[0];
      const hist = row ? mergeHistograms(JSON.parse(String(row.hist)), m.hist) : m.hist;
      this.sql.exec(
        `INSERT INTO buckets (granularity, start, version, requests, s2, s3, s4, s5, hist) VALUES ('m', ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (granularity, start, version) DO UPDATE SET requests = requests + excluded.requests,
           s2 = s2 + excluded.s2, s3 = s3 + excluded.s3, s4 = s4 + excluded.s4, s5 = s5 + excluded.s5, hist = excluded.hist`,
        m.start,
        m.version,
        ...m.counts,
        JSON.stringify(hist),
      );
    }
    for (const d of days.values()) {
      this.sql.exec(
        `INSERT INTO usage_days (day, route, requests, s2, s3, s4, s5) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, route) DO UPDATE SET requests = requests + excluded.requests,
           s2 = s2 + excluded.s2, s3 = s3 + excluded.s3, s4 = s4 + excluded.s4, s5 = s5 + excluded.s5`,
        d.day,
        d.route,
        ...d.counts,
      );
    }
    // Keys per day are counted up to the quota: junk header values cannot grow the table without bound.
    const { usageKeysPerDay, errorGroups } = this.quotas();
    const keysOf = new Map<string, number>();
    for (const k of keys.values()) {
      const day = k[0];
      const known =
        keysOf.get(day) ??
        this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM usage_keys WHERE day = ?", day).one().n;
      if (known >= usageKeysPerDay) continue;
      const added = this.sql.exec("INSERT OR IGNORE INTO usage_keys (day, route, key) VALUES (?, ?, ?)", ...k);
      keysOf.set(day, known + added.rowsWritten);
    }
    const fresh: ErrorGroup[] = [];
    for (const e of events) {
      if (!e.error) continue;
      const fingerprint = `${e.error.message} @ ${e.error.frame}`.slice(0, 500);
      const seen =
        this.sql.exec<Row>("SELECT 1 FROM error_groups WHERE fingerprint = ?", fingerprint).toArray().length > 0;
      this.sql.exec(
        `INSERT INTO error_groups (fingerprint, message, frame, version, count, first_seen, last_seen, sample) VALUES (?, ?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen, version = excluded.version`,
        fingerprint,
        e.error.message,
        e.error.frame,
        e.version,
        e.at,
        e.at,
        e.sample ? JSON.stringify(e.sample) : null,
      );
      if (!seen) fresh.push(this.errors().find((g) => g.fingerprint === fingerprint)!);
    }
    // The least recently seen groups go past the quota (a fresh group is the most recent, so it stays).
    if (fresh.length > 0 && Number.isFinite(errorGroups))
      this.sql.exec(
        "DELETE FROM error_groups WHERE fingerprint NOT IN (SELECT fingerprint FROM error_groups ORDER BY last_seen DESC, rowid DESC LIMIT ?)",
        errorGroups,
      );
    return fresh;
  }

  /** Minutes older than two hours become hours; hours and usage older than 30 days go. */
  compact(now: number): void {
    const cutoff = now - MINUTES_KEPT_MS;
    const old = this.sql.exec<Row>("SELECT * FROM buckets WHERE granularity = 'm' AND start < ?", cutoff).toArray();
    for (const b of old) {
      const start = Number(b.start) - (Number(b.start) % HOUR);
      const existing = this.sql
        .exec<Row>("SELECT hist FROM buckets WHERE granularity = 'h' AND start = ? AND version = ?", start, b.version)
        .toArray()[0];
      const hist = mergeHistograms(
        JSON.parse(String(b.hist)),
        existing ? JSON.parse(String(existing.hist)) : emptyHistogram(),
      );
      this.sql.exec(
        `INSERT INTO buckets (granularity, start, version, requests, s2, s3, s4, s5, hist) VALUES ('h', ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (granularity, start, version) DO UPDATE SET requests = requests + excluded.requests,
           s2 = s2 + excluded.s2, s3 = s3 + excluded.s3, s4 = s4 + excluded.s4, s5 = s5 + excluded.s5, hist = excluded.hist`,
        start,
        b.version,
        b.requests,
        b.s2,
        b.s3,
        b.s4,
        b.s5,
        JSON.stringify(hist),
      );
    }
    this.sql.exec("DELETE FROM buckets WHERE granularity = 'm' AND start < ?", cutoff);
    this.sql.exec("DELETE FROM buckets WHERE granularity = 'h' AND start < ?", now - HOURS_KEPT_MS);
    const oldDay = new Date(now - HOURS_KEPT_MS).toISOString().slice(0, 10);
    this.sql.exec("DELETE FROM usage_days WHERE day < ?", oldDay);
    this.sql.exec("DELETE FROM usage_keys WHERE day < ?", oldDay);
  }

  /** Requests and 5xx one version has served, in all the buckets kept (minutes and hours: 30 days). */
  versionTraffic(version: number): { requests: number; serverErrors: number } {
    const row = this.sql
      .exec<Row>(
        "SELECT COALESCE(SUM(requests), 0) AS n, COALESCE(SUM(s5), 0) AS e FROM buckets WHERE version = ?",
        version,
      )
      .one();
    return { requests: Number(row.n), serverErrors: Number(row.e) };
  }

  /** Requests, 5xx and latency of one version over the last `windowMs`. */
  window(version: number, now: number, windowMs: number) {
    const rows = this.sql
      .exec<Row>(
        "SELECT * FROM buckets WHERE granularity = 'm' AND version = ? AND start >= ?",
        version,
        now - windowMs,
      )
      .toArray();
    const hist = rows.reduce((h, r) => mergeHistograms(h, JSON.parse(String(r.hist))), emptyHistogram());
    const requests = rows.reduce((n, r) => n + Number(r.requests), 0);
    const errors = rows.reduce((n, r) => n + Number(r.s5), 0);
    return { requests, errors, p95: histogramPercentile(hist, 95) };
  }

  metrics(app: string, granularity: "minute" | "hour", limit: number): AppMetrics {
    const rows = this.sql
      .exec<Row>(
        "SELECT * FROM buckets WHERE granularity = ? ORDER BY start DESC, version LIMIT ?",
        granularity[0]!,
        limit,
      )
      .toArray()
      .reverse();
    let all = emptyHistogram();
    const buckets = rows.map((r) => {
      const hist = JSON.parse(String(r.hist)) as number[];
      all = mergeHistograms(all, hist);
      return {
        start: new Date(Number(r.start)).toISOString(),
        version: Number(r.version),
        requests: Number(r.requests),
        status: { "2xx": Number(r.s2), "3xx": Number(r.s3), "4xx": Number(r.s4), "5xx": Number(r.s5) },
        latencyMs: {
          p50: histogramPercentile(hist, 50),
          p95: histogramPercentile(hist, 95),
          p99: histogramPercentile(hist, 99),
        },
      };
    });
    return {
      app,
      granularity,
      buckets,
      totals: {
        requests: buckets.reduce((n, b) => n + b.requests, 0),
        errors: buckets.reduce((n, b) => n + b.status["5xx"], 0),
        latencyMs: {
          p50: histogramPercentile(all, 50),
          p95: histogramPercentile(all, 95),
          p99: histogramPercentile(all, 99),
        },
      },
    };
  }

  errors(): ErrorGroup[] {
    return this.sql
      .exec<Row>("SELECT * FROM error_groups ORDER BY last_seen DESC LIMIT 100")
      .toArray()
      .map((g) => ({
        fingerprint: String(g.fingerprint),
        message: String(g.message),
        frame: String(g.frame),
        version: Number(g.version),
        count: Number(g.count),
        firstSeen: new Date(Number(g.first_seen)).toISOString(),
        lastSeen: new Date(Number(g.last_seen)).toISOString(),
        sample: g.sample === null ? null : JSON.parse(String(g.sample)),
      }));
  }

  usage(days: number): UsageDay[] {
    const since = new Date(Date.now() - days * 24 * HOUR).toISOString().slice(0, 10);
    return this.sql
      .exec<Row>(
        `SELECT d.*, (SELECT COUNT(*) FROM usage_keys k WHERE k.day = d.day AND k.route = d.route) AS keys
         FROM usage_days d WHERE d.day >= ? ORDER BY d.day DESC, d.route`,
        since,
      )
      .toArray()
      .map((d) => ({
        day: String(d.day),
        route: String(d.route),
        requests: Number(d.requests),
        uniqueKeys: Number(d.keys),
        status: { "2xx": Number(d.s2), "3xx": Number(d.s3), "4xx": Number(d.s4), "5xx": Number(d.s5) },
      }));
  }

  addFeed(kind: FeedEntry["kind"], message: string, data?: unknown): void {
    this.sql.exec(
      "INSERT INTO feed (at, kind, message, data) VALUES (?, ?, ?, ?)",
      Date.now(),
      kind,
      message,
      data === undefined ? null : JSON.stringify(data),
    );
    const { feedRows } = this.quotas();
    if (Number.isFinite(feedRows))
      this.sql.exec(
        "DELETE FROM feed WHERE seq <= (SELECT seq FROM feed ORDER BY seq DESC LIMIT 1 OFFSET ?)",
        feedRows,
      );
  }

  feed(): FeedEntry[] {
    return this.sql
      .exec<Row>("SELECT * FROM feed ORDER BY seq DESC LIMIT 100")
      .toArray()
      .map((f) => ({
        at: new Date(Number(f.at)).toISOString(),
        kind: f.kind as FeedEntry["kind"],
        message: String(f.message),
        ...(f.data === null ? {} : { data: JSON.parse(String(f.data)) }),
      }));
  }

  /** Claims an automatic action for a version once: true the first time only, so loops cannot storm. */
  claimAction(kind: "rollback" | "refine", version: number): boolean {
    return (
      this.sql.exec("INSERT OR IGNORE INTO actions (kind, version, at) VALUES (?, ?, ?)", kind, version, Date.now())
        .rowsWritten > 0
    );
  }
}
