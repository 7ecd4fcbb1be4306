import { DurableObject } from "cloudflare:workers";
import type { RequestEvent } from "@aidevos/core";
import { stableHash } from "@aidevos/objects";

/**
 * How often each app's served requests reach its monitor: every 5 minutes (the default rollback
 * window, so a hand-off's requests all fall in the latency loop's window). A monitor is then live
 * about 10 s of each period (workerd, like Cloudflare, evicts an idle object about 10 s after its
 * last call) instead of all the time its app is served (docs/benchmarks.md). What must be prompt is
 * not held: see `urgent` and `HAND_OFF_AT`.
 */
const HAND_OFF_EVERY_MS = 300_000;
/** An app holding this many requests hands them off at once: bounded rows and calls. */
const HAND_OFF_AT = 1000;
/** Monitors woken at once by one alarm (apps due in the same second). */
const HAND_OFF_CONCURRENCY = 16;

/**
 * When an app's held requests are due: at a second of the period fixed by its name, so the apps of
 * a shard wake their monitors spread over the period, not all at once.
 */
function dueAfter(app: string, now: number): number {
  const phase = (stableHash(app) % (HAND_OFF_EVERY_MS / 1000)) * 1000;
  const slot = now - (now % HAND_OFF_EVERY_MS) + phase;
  return slot > now ? slot : slot + HAND_OFF_EVERY_MS;
}

/** A request the monitor must see now: a 5xx or a thrown error can open an error group or a rollback. */
const urgent = (e: RequestEvent) => e.status >= 500 || e.error !== undefined;

/**
 * One shard of the buffer between the gateway and the apps' monitors (trafficBufferOf names it by
 * the app). The gateway hands it each app's batch of served requests; it keeps them in SQLite and
 * hands each app's requests to its monitor once a period, through an alarm. A batch with a 5xx goes
 * on at once, with everything held before it, so error groups, alerts and the rollback loop are as
 * prompt as without the buffer and see the error rate of all requests. Delivery is at most once, as
 * the gateway's was: requests a failing monitor did not take are logged as missed, not retried (the
 * monitor is not idempotent).
 */
export class TrafficBufferDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Each app's hand-off in flight: an app's requests reach its monitor in order. */
  private readonly handing = new Map<string, Promise<number>>();
  /** When each app's requests last reached its monitor (this instance's lifetime; for the benchmark). */
  private readonly handedAt = new Map<string, number>();
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS held (
        id INTEGER PRIMARY KEY, app TEXT NOT NULL, due INTEGER NOT NULL, count INTEGER NOT NULL, events TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS held_by_app ON held (app, id);
      CREATE INDEX IF NOT EXISTS held_by_due ON held (due);`);
  }

  /** A batch of one app's served requests from the gateway; kept before the call returns. */
  async hold(app: string, events: RequestEvent[]): Promise<void> {
    if (events.length === 0) return;
    const due = dueAfter(app, Date.now());
    this.sql.exec(
      "INSERT INTO held (app, due, count, events) VALUES (?, ?, ?, ?)",
      app,
      due,
      events.length,
      JSON.stringify(events),
    );
    await this.alarmBy(due);
    if (events.some(urgent) || this.held(app) >= HAND_OFF_AT) await this.handOff(app);
  }

  /**
   * Forgets every held request without handing it on (the benchmarks' seeding traffic, which is not
   * production's): answers how many were dropped. Reached only through /__bench, on an AIDEVOS_BENCH server.
   */
  dropHeld(): number {
    const n = this.sql.exec<{ n: number }>("SELECT COALESCE(SUM(count), 0) AS n FROM held").one().n;
    this.sql.exec("DELETE FROM held");
    return n;
  }

  /** How many of the app's requests wait for its monitor. */
  held(app: string): number {
    return this.sql.exec<{ n: number }>("SELECT COALESCE(SUM(count), 0) AS n FROM held WHERE app = ?", app).one().n;
  }

  /**
   * Hands the app's held requests to its monitor now; resolves with how many it took. Dashboards call
   * it before reading the monitor (the gateway's monitorOf), so what they show includes every request
   * the buffer held.
   */
  handOff(app: string): Promise<number> {
    const next = (this.handing.get(app) ?? Promise.resolve(0)).then(() => this.deliver(app));
    this.handing.set(app, next);
    const settled = () => {
      if (this.handing.get(app) === next) this.handing.delete(app);
    };
    next.then(settled, settled);
    return next;
  }

  /**
   * Held apps and requests, how many monitors this shard handed requests to within `withinMs`, and
   * the hand-off period.
   */
  stats(withinMs: number): { apps: number; requests: number; handedOff: number; periodMs: number } {
    const held = this.sql
      .exec<{ apps: number; requests: number }>(
        "SELECT COUNT(DISTINCT app) AS apps, COALESCE(SUM(count), 0) AS requests FROM held",
      )
      .one();
    const since = Date.now() - withinMs;
    const handedOff = [...this.handedAt.values()].filter((at) => at >= since).length;
    return { ...held, handedOff, periodMs: HAND_OFF_EVERY_MS };
  }

  /** The apps whose hand-off is due; the next alarm is the earliest due after them. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const apps = this.sql
      .exec<{ app: string }>("SELECT DISTINCT app FROM held WHERE due <= ?", Date.now())
      .toArray()
      .map((r) => r.app);
    for (let i = 0; i < apps.length; i += HAND_OFF_CONCURRENCY)
      await Promise.all(apps.slice(i, i + HAND_OFF_CONCURRENCY).map((app) => this.handOff(app)));
    const next = this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM held").one().due;
    if (next !== null) await this.alarmBy(next);
  }

  private async alarmBy(due: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= due) return;
    this.alarmAt = due;
    await this.ctx.storage.setAlarm(due);
  }

  /** Takes the app's held requests (in the order held) and records them in its monitor. */
  private async deliver(app: string): Promise<number> {
    const rows = this.sql
      .exec<{ id: number; events: string }>("SELECT id, events FROM held WHERE app = ? ORDER BY id", app)
      .toArray();
    if (rows.length === 0) return 0;
    this.sql.exec("DELETE FROM held WHERE app = ? AND id <= ?", app, rows.at(-1)!.id);
    const events = rows.flatMap((r) => JSON.parse(r.events) as RequestEvent[]);
    try {
      // Through MonitorRelay: a stub made here would keep the monitor live as long as this shard.
      await this.ctx.exports.MonitorRelay.record(app, events);
      this.handedAt.set(app, Date.now());
      return events.length;
    } catch (err) {
      console.warn(`monitoring of ${app} missed ${events.length} requests`, String(err));
      return 0;
    }
  }
}
