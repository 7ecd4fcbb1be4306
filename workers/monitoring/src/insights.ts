import type { AppSpec, RequestEvent } from "@aidevos/core";
import { quoted, routeLabel, specRoutes, splitFields } from "./client-text";
import { addToHistogram, emptyHistogram, histogramPercentile, mergeHistograms } from "./histogram";

type Row = Record<string, SqlStorageValue>;

/** Fewer requests on a route than this say nothing about it. */
const MIN_ROUTE_REQUESTS = 20;
/** A route whose 4xx share is at least this much is validation-heavy. */
const HIGH_4XX_SHARE = 0.3;
/** A version that served this many requests has shown which of its routes nobody uses. */
const UNUSED_AFTER_REQUESTS = 200;
/** One partition key with this share of a version's requests (among 3 or more keys, 100+ requests) is hot. */
const HOT_KEY_SHARE = 0.5;

/** A finding about how an app is used, with its evidence and a drafted feedback request. */
export interface Insight {
  kind: "slow_route" | "validation_heavy_route" | "unused_route" | "hot_partition";
  version: number;
  route: string;
  message: string;
  evidence: Record<string, unknown>;
  /** A feedback run the user can start as it is (`POST /v1/feedback`, or one click on the dashboard). */
  feedback: { app: string; message: string };
}

/**
 * Per-route production record, per version: requests, 4xx answers, which fields failed validation
 * and the latency histogram. Folded in as events arrive; an insight is claimed once per kind,
 * version and route, so a route keeps one insight however long it stays slow.
 */
export class RouteRecords {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS route_stats (
      version INTEGER NOT NULL, route TEXT NOT NULL, requests INTEGER NOT NULL, s4 INTEGER NOT NULL,
      invalid TEXT NOT NULL, hist TEXT NOT NULL, PRIMARY KEY (version, route))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS key_stats (
      version INTEGER NOT NULL, key TEXT NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (version, key))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS insights (
      kind TEXT NOT NULL, version INTEGER NOT NULL, route TEXT NOT NULL, at INTEGER NOT NULL,
      PRIMARY KEY (kind, version, route))`);
  }

  ingest(events: RequestEvent[]): void {
    const keys = new Map<string, { version: number; key: string; n: number }>();
    for (const e of events) {
      if (!e.key) continue;
      const k = keys.get(`${e.version} ${e.key}`) ?? { version: e.version, key: e.key, n: 0 };
      keys.set(`${e.version} ${e.key}`, k);
      k.n += 1;
    }
    for (const k of keys.values())
      this.sql.exec(
        `INSERT INTO key_stats (version, key, requests) VALUES (?, ?, ?)
         ON CONFLICT (version, key) DO UPDATE SET requests = requests + excluded.requests`,
        k.version,
        k.key,
        k.n,
      );
    const batch = new Map<
      string,
      { version: number; route: string; n: number; s4: number; invalid: Record<string, number>; hist: number[] }
    >();
    for (const e of events) {
      const id = `${e.version} ${e.route}`;
      const r = batch.get(id) ?? {
        version: e.version,
        route: e.route,
        n: 0,
        s4: 0,
        invalid: {},
        hist: emptyHistogram(),
      };
      batch.set(id, r);
      r.n += 1;
      if (e.status >= 400 && e.status < 500) r.s4 += 1;
      for (const field of e.invalid ?? []) r.invalid[field] = (r.invalid[field] ?? 0) + 1;
      addToHistogram(r.hist, e.ms);
    }
    for (const r of batch.values()) {
      const row = this.sql
        .exec<Row>("SELECT * FROM route_stats WHERE version = ? AND route = ?", r.version, r.route)
        .toArray()[0];
      const invalid: Record<string, number> = row ? JSON.parse(String(row.invalid)) : {};
      for (const [field, n] of Object.entries(r.invalid)) invalid[field] = (invalid[field] ?? 0) + n;
      // Bounded: the 50 most frequent fields are kept.
      const kept = Object.fromEntries(
        Object.entries(invalid)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 50),
      );
      const hist = row ? mergeHistograms(JSON.parse(String(row.hist)), r.hist) : r.hist;
      this.sql.exec(
        `INSERT INTO route_stats (version, route, requests, s4, invalid, hist) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (version, route) DO UPDATE SET requests = requests + excluded.requests, s4 = s4 + excluded.s4,
           invalid = excluded.invalid, hist = excluded.hist`,
        r.version,
        r.route,
        r.n,
        r.s4,
        JSON.stringify(kept),
        JSON.stringify(hist),
      );
    }
  }

  /**
   * New insights about a version (each returned once): routes over the p95 budget, validation-heavy
   * routes, the spec's routes nobody requested, a partition key that takes most of the traffic.
   */
  findNew(app: string, version: number, p95BudgetMs: number, spec: AppSpec | null): Insight[] {
    const found: Insight[] = [];
    const rows = this.sql.exec<Row>("SELECT * FROM route_stats WHERE version = ?", version).toArray();
    // Paths the spec does not define are 404s whose first segment a client chose: no insight, no draft.
    const routes = spec ? specRoutes(spec) : null;
    for (const row of rows) {
      const route = String(row.route);
      if (routes && !routes.has(route)) continue;
      const requests = Number(row.requests);
      if (requests < MIN_ROUTE_REQUESTS) continue;
      const label = routeLabel(route, spec);
      const p95 = histogramPercentile(JSON.parse(String(row.hist)), 95);
      if (p95 > p95BudgetMs && this.claim("slow_route", version, route)) {
        found.push({
          kind: "slow_route",
          version,
          route,
          message: `${label} answers in ${p95} ms at p95, over the ${p95BudgetMs} ms budget (${requests} requests on v${version})`,
          evidence: { p95Ms: p95, budgetMs: p95BudgetMs, requests },
          feedback: {
            app,
            message: `Make ${label} faster: its p95 latency is ${p95} ms in production, over the ${p95BudgetMs} ms budget. Keep its behaviour and answers unchanged.`,
          },
        });
      }
      const s4 = Number(row.s4);
      const share = s4 / requests;
      if (share >= HIGH_4XX_SHARE && this.claim("validation_heavy_route", version, route)) {
        const counts = Object.entries(JSON.parse(String(row.invalid)) as Record<string, number>).sort(
          (a, b) => b[1] - a[1],
        );
        // Field names are client text unless the spec defines them: only the spec's are named.
        const { known, unknown } = splitFields(counts, spec);
        const fields = known.slice(0, 5);
        const named = fields.map(([f, n]) => `${f} (${n}×)`).join(", ");
        const strangers = unknown.names
          ? `${unknown.names} field name(s) the app does not have were sent ${unknown.requests} time(s) (client text, left out of this request)`
          : "";
        const percent = Math.round(share * 100);
        found.push({
          kind: "validation_heavy_route",
          version,
          route,
          message: `${percent}% of ${label} requests are refused with 4xx (${s4} of ${requests} on v${version})${named ? `; most often invalid: ${named}` : ""}${unknown.names ? `; ${unknown.names} field name(s) the app does not have` : ""}`,
          evidence: {
            requests,
            clientErrors: s4,
            share: Math.round(share * 100) / 100,
            invalidFields: Object.fromEntries(fields),
            ...(unknown.names ? { unknownFields: unknown } : {}),
          },
          feedback: {
            app,
            message: `Clients often send invalid requests to ${label}: ${s4} of ${requests} were answered 4xx on v${version} (${percent}%).${named ? ` The app's fields that fail validation most are ${named}.` : ""}${strangers ? ` ${strangers}.` : ""} Make the app's fields easier to get right (clear defaults, accept the common forms, explain the rule in the error message) without accepting invalid data or adding fields.`,
          },
        });
      }
    }
    found.push(...this.unusedRoutes(app, version, spec), ...this.hotPartition(app, version));
    return found;
  }

  /** Routes of the spec that no request reached once the version has served UNUSED_AFTER_REQUESTS. */
  private unusedRoutes(app: string, version: number, spec: AppSpec | null): Insight[] {
    if (!spec) return [];
    const served = new Map(
      this.sql
        .exec<Row>("SELECT route, requests FROM route_stats WHERE version = ?", version)
        .toArray()
        .map((r) => [String(r.route), Number(r.requests)]),
    );
    const total = [...served.values()].reduce((a, b) => a + b, 0);
    if (total < UNUSED_AFTER_REQUESTS) return [];
    const routes = specRoutes(spec);
    return [...routes]
      .filter((route) => !served.has(route) && this.claim("unused_route", version, route))
      .map((route) => ({
        kind: "unused_route" as const,
        version,
        route,
        message: `${route} was never requested in the first ${total} requests of v${version}`,
        evidence: { requests: total, routeRequests: 0 },
        feedback: {
          app,
          message: `Nobody uses ${route} (0 of ${total} requests). If it is not needed, remove it from the app; keep every other route unchanged.`,
        },
      }));
  }

  /** A partition key that takes most of a version's requests. */
  private hotPartition(app: string, version: number): Insight[] {
    const rows = this.sql
      .exec<Row>("SELECT key, requests FROM key_stats WHERE version = ? ORDER BY requests DESC", version)
      .toArray();
    const total = rows.reduce((n, r) => n + Number(r.requests), 0);
    const top = rows[0];
    if (!top || rows.length < 3 || total < 100) return [];
    const share = Number(top.requests) / total;
    const key = String(top.key);
    if (share < HOT_KEY_SHARE || !this.claim("hot_partition", version, key)) return [];
    const percent = Math.round(share * 100);
    return [
      {
        kind: "hot_partition",
        version,
        route: key,
        message: `one partition (${quoted(key)}) takes ${percent}% of v${version}'s requests (${top.requests} of ${total}, ${rows.length} keys)`,
        evidence: {
          key,
          requests: Number(top.requests),
          total,
          keys: rows.length,
          share: Math.round(share * 100) / 100,
        },
        feedback: {
          app,
          message: `One partition takes ${percent}% of all requests (${top.requests} of ${total}, across ${rows.length} partition keys; its key is in this insight's evidence): one Durable Object serves it alone. Spread that partition's load (finer partition keys, or cache what it reads most) without changing the answers.`,
        },
      },
    ];
  }

  private claim(kind: Insight["kind"], version: number, route: string): boolean {
    return (
      this.sql.exec(
        "INSERT OR IGNORE INTO insights (kind, version, route, at) VALUES (?, ?, ?, ?)",
        kind,
        version,
        route,
        Date.now(),
      ).rowsWritten > 0
    );
  }
}

/** How long new insights gather before they go to the webhook as one digest. */
export const DIGEST_WINDOW_MS = 60_000;
/** Insights in one digest at most; more wait for the next. */
const DIGEST_MAX = 50;

/**
 * The insights waiting for the webhook digest. Insights are found batch by batch as traffic
 * arrives; the digest gathers every one found while its window is open, so the webhook gets one
 * message listing them all rather than one per batch. Each insight is taken (and forgotten) once.
 */
export class InsightDigest {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS insight_digest (seq INTEGER PRIMARY KEY AUTOINCREMENT, insight TEXT NOT NULL)",
    );
  }

  add(insights: Insight[]): void {
    for (const insight of insights)
      this.sql.exec("INSERT INTO insight_digest (insight) VALUES (?)", JSON.stringify(insight));
  }

  /** The oldest waiting insights (at most DIGEST_MAX), removed from the queue, and how many still wait. */
  take(): { insights: Insight[]; left: number } {
    const rows = this.sql
      .exec<Row>("SELECT seq, insight FROM insight_digest ORDER BY seq LIMIT ?", DIGEST_MAX)
      .toArray();
    const last = rows.at(-1)?.seq;
    if (last !== undefined) this.sql.exec("DELETE FROM insight_digest WHERE seq <= ?", last);
    const left = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM insight_digest").one().n;
    return { insights: rows.map((r) => JSON.parse(String(r.insight)) as Insight), left };
  }
}
