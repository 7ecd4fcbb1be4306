import { DurableObject } from "cloudflare:workers";
import { type AppSpec, type RequestEvent, redactTokens, secretRedactor, setting, sha256Hex } from "@aidevos/core";
import { lessonFromRollback } from "@aidevos/learning";
import {
  appControlOf,
  appHostOf,
  copyTables,
  knowledgeBaseOf,
  legacyAppMonitorOf,
  newRunOf,
  registryOf,
  runOf,
} from "@aidevos/objects";
import { AppMonitorStore } from "./app-monitor";
import { AutoRuns } from "./auto-runs";
import { quoted, routeLabel } from "./client-text";
import { ErrorDigest, type NewErrorGroup } from "./error-digest";
import { DIGEST_WINDOW_MS, InsightDigest, RouteRecords } from "./insights";
import { decide, loopPolicy } from "./loop-policy";
import { OutboundStore } from "./outbound";
import { type ChannelDelta, RealtimeStats } from "./realtime-stats";

const COMPACT_EVERY_MS = 60_000;
/** Set once the records an earlier monitor (MonitoringDO `app:<name>`) held have been copied here. */
const HANDED_OVER = "handed-over";

/**
 * The production monitor of one app (named after it). It folds the requests the gateway served
 * into performance, error and usage records, notifies new error groups, and closes the loops: a
 * spiking new version is rolled back and a fix run started; a slow one gets a refine run. Each
 * automatic action happens at most once per version.
 */
export class AppMonitorDO extends DurableObject<Env> {
  private readonly store: AppMonitorStore;
  private readonly realtimeStats: RealtimeStats;
  private readonly routes: RouteRecords;
  private readonly outboundCalls: OutboundStore;
  private readonly digest: InsightDigest;
  private readonly autoRuns: AutoRuns;
  private readonly errorDigest: ErrorDigest;
  private compactedAt = 0;
  private readonly budgets = new Map<number, number | undefined>();
  /** The live version's spec (a version's spec never changes), for the routes nobody uses. */
  private readonly specs = new Map<number, AppSpec>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Read on use, like every setting, so a changed var applies to the next batch.
    this.store = new AppMonitorStore(ctx.storage.sql, () => ({
      errorGroups: setting(env, "AIDEVOS_MAX_ERROR_GROUPS"),
      feedRows: setting(env, "AIDEVOS_MAX_FEED_ROWS"),
      usageKeysPerDay: setting(env, "AIDEVOS_MAX_USAGE_KEYS_PER_DAY"),
    }));
    this.realtimeStats = new RealtimeStats(ctx.storage.sql);
    this.routes = new RouteRecords(ctx.storage.sql);
    this.outboundCalls = new OutboundStore(ctx.storage.sql);
    this.digest = new InsightDigest(ctx.storage.sql);
    this.autoRuns = new AutoRuns(ctx.storage.sql);
    this.errorDigest = new ErrorDigest(ctx.storage.sql);
    ctx.blockConcurrencyWhile(() => this.takeOver());
  }

  /**
   * An error's message is the app's text (a 5xx body, a thrown error), a sample the client's: the
   * values of the app's secrets are replaced (`[secret NAME]`), and session tokens (`***`), before
   * either reaches an error group, the feed or the webhook.
   */
  private async redacted(app: string, events: RequestEvent[]): Promise<RequestEvent[]> {
    if (!events.some((e) => e.error || e.sample)) return events;
    const clean = secretRedactor(await appControlOf(this.env, app).secretValues())(events);
    // An end user's session token in the app's text reads *** too (docs/appspec.md, Accounts).
    return clean.map((e) =>
      e.error ? { ...e, error: { message: redactTokens(e.error.message), frame: redactTokens(e.error.frame) } } : e,
    );
  }

  /** A batch of requests from the gateway. */
  async record(app: string, seen: RequestEvent[]): Promise<void> {
    const events = await this.redacted(app, seen);
    const store = this.store;
    const now = Date.now();
    const fresh: NewErrorGroup[] = [];
    for (const group of store.ingest(events)) {
      // The message and the route are the app's and the client's text: quoted as data, never as words.
      const spec = await this.specOf(app, group.version);
      const where = routeLabel(group.frame, spec);
      const message = `new error in v${group.version} on ${where}: ${quoted(group.message, 48)}`;
      // With a drafted feedback request, so the user can start a fix from the feed.
      const feedback = {
        app,
        message: `Fix the server error on ${where}, new in v${group.version} (${group.count} request(s) so far; its message is in the app's error groups). Add a test that covers the input that caused it.`,
      };
      store.addFeed("error_group", message, { version: group.version, route: where, feedback });
      const { version, count, firstSeen, lastSeen } = group;
      fresh.push({ message, group: { version, count, firstSeen, lastSeen, route: where } });
    }
    // New groups reach the webhook as one digest when the window closes, never a POST each.
    if (fresh.length > 0 && setting(this.env, "AIDEVOS_ALERT_WEBHOOK_URL")) {
      this.errorDigest.add(fresh);
      await this.openDigestWindow();
    }
    this.routes.ingest(events);
    if (now - this.compactedAt > COMPACT_EVERY_MS) {
      store.compact(now);
      this.compactedAt = now;
    }
    await this.closeLoops(app, now);
    await this.reportInsights(app);
  }

  /**
   * Usage insights on the live version (insights.ts): each goes to the app's feed once, with its
   * evidence and a drafted feedback request. With a webhook configured, new ones also wait in the
   * digest: the first opens a window of DIGEST_WINDOW_MS (the alarm), and everything found before
   * it closes goes to the webhook as one digest (`sendDigest`).
   */
  private async reportInsights(app: string): Promise<void> {
    const live = await appHostOf(this.env, app).live(app);
    if (!live) return;
    const budget = (await this.budgetOf(app, live.version)) ?? loopPolicy(this.env).p95Ms;
    const insights = this.routes.findNew(app, live.version, budget, this.specs.get(live.version) ?? null);
    for (const insight of insights) {
      const { message, ...data } = insight;
      this.store.addFeed("insight", message, data);
    }
    if (!insights.length || !setting(this.env, "AIDEVOS_ALERT_WEBHOOK_URL")) return;
    this.digest.add(insights);
    await this.openDigestWindow();
  }

  private async openDigestWindow(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DIGEST_WINDOW_MS);
  }

  /** The digest window closed. */
  override async alarm(): Promise<void> {
    await this.sendDigest();
    await this.sendErrorDigest();
  }

  /** The new error groups of the window as one webhook message (the first of them, and how many more). */
  private async sendErrorDigest(): Promise<void> {
    const { groups, more } = this.errorDigest.take();
    const app = this.ctx.id.name;
    if (!app || groups.length === 0) return;
    const lines = groups.map((g) => `- ${g.message}`).join("\n");
    const also = more > 0 ? `\n(and ${more} more)` : "";
    await this.notify(app, "error_digest", `${groups.length + more} new error group(s) for ${app}:\n${lines}${also}`, {
      groups,
      more,
    });
  }

  /** The waiting insights as one webhook message (the rest, past a digest's bound, in the next window). */
  private async sendDigest(): Promise<void> {
    const { insights, left } = this.digest.take();
    if (left) await this.ctx.storage.setAlarm(Date.now() + DIGEST_WINDOW_MS);
    const app = insights[0]?.feedback.app;
    if (!app) return;
    const lines = insights.map((i) => `- ${i.message}`).join("\n");
    await this.notify(app, "insight_digest", `${insights.length} new insight(s) for ${app}:\n${lines}`, {
      insights: insights.map(({ kind, version, route, message, evidence, feedback }) => ({
        kind,
        version,
        route,
        message,
        evidence,
        feedback,
      })),
    });
  }

  /** A schedule ran (in one partition); a failure also reaches `record` as an error of that schedule. */
  async scheduleRan(name: string, at: number, error: string | null): Promise<void> {
    this.realtimeStats.scheduleRan(name, at, error);
  }

  /** Channel members that joined or left and messages they sent, summed by a host. */
  async channelActivity(deltas: ChannelDelta[], versionChanged = false): Promise<void> {
    if (versionChanged) this.realtimeStats.membersGone();
    this.realtimeStats.channels(deltas);
  }

  /** Schedules (last run, errors) and channels (members, connections, messages). */
  async realtime() {
    return this.realtimeStats.read();
  }

  async metrics(app: string, granularity: "minute" | "hour", limit: number) {
    return this.store.metrics(app, granularity, limit);
  }

  /** One call an action made through ctx.fetch (AppPlatform). */
  async recordOutbound(origin: string, ms: number, ok: boolean): Promise<void> {
    this.outboundCalls.record(origin, ms, ok);
  }

  async outbound() {
    return this.outboundCalls.list();
  }

  async errors() {
    return this.store.errors();
  }

  /** The requests people sent one version (served through the gateway; tests and probes are not recorded) and its 5xx. */
  async versionTraffic(version: number) {
    return this.store.versionTraffic(version);
  }

  async usage(days: number) {
    return this.store.usage(days);
  }

  async feed() {
    return this.store.feed();
  }

  async addFeed(kind: "feedback", message: string, data?: unknown): Promise<void> {
    this.store.addFeed(kind, message, data);
  }

  /** Folds old minutes into hours as of `now`; retention otherwise runs as requests arrive. */
  async compact(now = Date.now()): Promise<void> {
    this.store.compact(now);
    this.compactedAt = Date.now();
  }

  /** Bytes of this monitor's SQLite storage. */
  async storageBytes(): Promise<number> {
    return this.ctx.storage.sql.databaseSize;
  }

  /** Copies what the app's earlier monitor recorded, once, before this object serves anything. */
  private async takeOver(): Promise<void> {
    const app = this.ctx.id.name;
    if (!app || this.ctx.storage.kv.get(HANDED_OVER)) return;
    const dump = await legacyAppMonitorOf(this.env, app).handOverAppMonitor();
    this.ctx.storage.transactionSync(() => {
      copyTables(this.ctx.storage.sql, dump);
      this.ctx.storage.kv.put(HANDED_OVER, true);
    });
  }

  /**
   * Runs after every batch, so it asks only the app's own host what is live; the Registry is asked
   * for a version's latency budget once, and for the app only when there is something to do.
   */
  private async closeLoops(app: string, now: number) {
    const store = this.store;
    const live = await appHostOf(this.env, app).live(app);
    if (!live) return;
    const policy = loopPolicy(this.env);
    const decision = decide(
      store.window(live.version, now, policy.windowMs),
      live.version,
      policy,
      await this.budgetOf(app, live.version),
    );
    if (decision.kind === "none") return;
    const current = await registryOf(this.env).getApp(app);
    if (decision.kind === "rollback" && current && store.claimAction("rollback", live.version)) {
      const percent = Math.round(decision.rate * 100);
      store.addFeed("error_spike", `v${live.version} answered ${percent}% 5xx in the last ${policy.windowMs / 1000}s`);
      const change = await appControlOf(this.env, app).rollback(undefined, null);
      if (!change.ok) {
        store.addFeed("rollback", `could not roll back v${live.version}: ${change.message}`);
        return;
      }
      store.addFeed("rollback", `rolled back from v${change.fromVersion} to v${change.version}`, change);
      const groups = store
        .errors()
        .filter((g) => g.version === live.version)
        .slice(0, 5);
      // In the platform's words: the spec's routes and counts, never the errors' messages.
      const failedSpec = await this.specOf(app, live.version);
      const request = `Critical fix for ${app}: v${live.version} was rolled back after ${percent}% of requests failed. Server errors: ${groups
        .map((g) => `${g.count}× on ${routeLabel(g.frame, failedSpec)}`)
        .join("; ")}. Find the cause in the code of those routes and add tests that cover it.`;
      // The fix starts from what is live now, the last good version: its spec carries its actions'
      // code, while the rolled-back spec carries the very code that failed.
      const good = await registryOf(this.env).getApp(app);
      const fix = await this.startAutoRun(app, "fix", request, (good ?? current).spec);
      if ("held" in fix) store.addFeed("auto_run_held", `no fix run started: ${fix.held}`);
      else
        store.addFeed("fix_run", `started fix run ${fix.runId}`, {
          runId: fix.runId,
          errors: groups.map((g) => ({ route: routeLabel(g.frame, failedSpec), count: g.count })),
        });
      await knowledgeBaseOf(this.env).add(
        lessonFromRollback(
          app,
          live.version,
          groups.map((g) => ({ route: routeLabel(g.frame, failedSpec), count: g.count })),
        ),
        "learned",
      );
      await knowledgeBaseOf(this.env).noteRollback(app, live.version, `${percent}% of requests failed`);
    } else if (decision.kind === "refine" && current && store.claimAction("refine", live.version)) {
      store.addFeed("latency_breach", `v${live.version} p95 ${decision.p95} ms over its budget`);
      const request = `Scaling need for ${app}: v${live.version} p95 latency is ${decision.p95} ms, over budget. Make it faster.`;
      const refine = await this.startAutoRun(app, "refine", request, current.spec);
      if ("held" in refine) store.addFeed("auto_run_held", `no refine run started: ${refine.held}`);
      else store.addFeed("refine_run", `started refine run ${refine.runId}`, { runId: refine.runId });
    }
  }

  /** The p95 budget (ms) the live version's spec sets, if any; a version's spec never changes. */
  private async budgetOf(app: string, version: number): Promise<number | undefined> {
    if (!this.budgets.has(version)) {
      const current = await registryOf(this.env).getApp(app);
      if (current?.liveVersion !== version) return current?.spec.performance?.p95Ms;
      this.budgets.set(version, current.spec.performance?.p95Ms);
      this.specs.set(version, current.spec);
    }
    return this.budgets.get(version);
  }

  /** A version's spec, when it is (or was, once seen) the live one; null when the Registry has moved on. */
  private async specOf(app: string, version: number): Promise<AppSpec | null> {
    await this.budgetOf(app, version);
    return this.specs.get(version) ?? null;
  }

  /**
   * An automatic run on the app's spec (offline it rebuilds correct code from the spec; with a model
   * it can also fix custom code), with the automatic-run token budget — unless the app's cooldown or
   * its last automatic run still working holds it back, or today's spend cap refuses it.
   */
  private async startAutoRun(
    app: string,
    kind: "refine" | "fix",
    request: string,
    spec: unknown,
  ): Promise<{ runId: string } | { held: string }> {
    const now = Date.now();
    const held = await this.autoRuns.heldBack(
      this.env,
      now,
      async (id) => (await runOf(this.env, id)?.get())?.status ?? null,
    );
    if (held) return { held };
    const { id, run } = newRunOf(this.env);
    const started = await run.start({
      request,
      app,
      spec: spec as never,
      bodyHash: await sha256Hex(request),
      options: { tokenBudget: setting(this.env, "AIDEVOS_AUTO_RUN_TOKEN_BUDGET") },
    });
    if (started.kind === "refused")
      return { held: `today's model spend reached the daily cap (AIDEVOS_DAILY_SPEND_USD, $${started.capUsd})` };
    this.autoRuns.record(kind, id, now);
    return { runId: id };
  }

  /** Tells the configured webhook about a new error group or insights; a webhook that fails is only logged. */
  private async notify(app: string, kind: string, message: string, detail: Record<string, unknown>): Promise<void> {
    const url = setting(this.env, "AIDEVOS_ALERT_WEBHOOK_URL");
    if (!url) return;
    try {
      await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ app, kind, message, ...detail }),
      });
    } catch (err) {
      console.warn("alert webhook failed", String(err));
    }
  }
}
