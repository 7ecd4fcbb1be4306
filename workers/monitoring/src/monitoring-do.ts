import { entityOperations, type RequestEvent, sha256Hex } from "@aidevos/core";
import { appHostOf } from "@aidevos/deploy";
import { knowledgeOf, lessonFromRollback } from "@aidevos/learning";
import { type MonitoringInput, type MonitoringOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { registryOf } from "@aidevos/registry";
import { AppMonitorStore } from "./app-monitor";
import { decide, loopPolicy } from "./loop-policy";

/** The partition key the post-deploy probe uses on perKey apps, so it never touches a user's data. */
export const PROBE_KEY = "_aidevos-probe";

const COMPACT_EVERY_MS = 60_000;

/**
 * Monitoring. As a pipeline stage (one instance per run) it probes a fresh deploy over the same
 * routing as production. As an app's monitor (one instance per app, `app:<name>`) it folds the
 * requests the gateway served into performance, error and usage records, notifies new error
 * groups, and closes the loops: a spiking new version is rolled back and a fix run started; a
 * slow one gets a refine run. Each automatic action happens at most once per version.
 */
export class MonitoringDO extends StageDO<MonitoringInput, MonitoringOutput> {
  readonly stage = "monitoring";
  private store: AppMonitorStore | null = null;
  private compactedAt = 0;
  private readonly budgets = new Map<number, number | undefined>();

  /** The app's records (the tables live only in app monitor instances). */
  monitor(): AppMonitorStore {
    this.store ??= new AppMonitorStore(this.ctx.storage.sql);
    return this.store;
  }

  /** A batch of requests from the gateway. */
  async record(app: string, events: RequestEvent[]): Promise<void> {
    const store = this.monitor();
    const now = Date.now();
    for (const group of store.ingest(events)) {
      const message = `new error in v${group.version}: ${group.message} (${group.frame})`;
      store.addFeed("error_group", message, { fingerprint: group.fingerprint });
      this.ctx.waitUntil(this.notify(app, message, group));
    }
    if (now - this.compactedAt > COMPACT_EVERY_MS) {
      store.compact(now);
      this.compactedAt = now;
    }
    await this.closeLoops(app, now);
  }

  async metrics(app: string, granularity: "minute" | "hour", limit: number) {
    return this.monitor().metrics(app, granularity, limit);
  }

  async errors() {
    return this.monitor().errors();
  }

  async usage(days: number) {
    return this.monitor().usage(days);
  }

  async feed() {
    return this.monitor().feed();
  }

  async addFeed(kind: "feedback", message: string, data?: unknown): Promise<void> {
    this.monitor().addFeed(kind, message, data);
  }

  /** Folds old minutes into hours now; retention otherwise runs as requests arrive. */
  async compact(): Promise<void> {
    this.monitor().compact(Date.now());
    this.compactedAt = Date.now();
  }

  /** Bytes of this monitor's SQLite storage. */
  async storageBytes(): Promise<number> {
    return this.ctx.storage.sql.databaseSize;
  }

  /**
   * Runs after every batch, so it asks only the app's own host what is live; the Registry is asked
   * for a version's latency budget once, and for the app only when there is something to do.
   */
  private async closeLoops(app: string, now: number) {
    const store = this.monitor();
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
      const deployer = this.env.DEPLOY.get(this.env.DEPLOY.idFromName(`app:${app}`));
      const change = await deployer.rollback(app, undefined, null);
      if (!change.ok) {
        store.addFeed("rollback", `could not roll back v${live.version}: ${change.message}`);
        return;
      }
      store.addFeed("rollback", `rolled back from v${change.fromVersion} to v${change.version}`, change);
      const groups = store
        .errors()
        .filter((g) => g.version === live.version)
        .slice(0, 5);
      const request = `Critical fix for ${app}: v${live.version} was rolled back after ${percent}% of requests failed. Errors: ${groups
        .map((g) => `${g.message} at ${g.frame} (${g.count}×)`)
        .join("; ")}`;
      const runId = await this.startRun(app, request, current.spec);
      store.addFeed("fix_run", `started fix run ${runId}`, { runId, errors: groups.map((g) => g.fingerprint) });
      await knowledgeOf(this.env).add(lessonFromRollback(app, live.version, groups), "learned");
    } else if (decision.kind === "refine" && current && store.claimAction("refine", live.version)) {
      store.addFeed("latency_breach", `v${live.version} p95 ${decision.p95} ms over its budget`);
      const request = `Scaling need for ${app}: v${live.version} p95 latency is ${decision.p95} ms, over budget. Make it faster.`;
      const runId = await this.startRun(app, request, current.spec);
      store.addFeed("refine_run", `started refine run ${runId}`, { runId });
    }
  }

  /** The p95 budget (ms) the live version's spec sets, if any; a version's spec never changes. */
  private async budgetOf(app: string, version: number): Promise<number | undefined> {
    if (!this.budgets.has(version)) {
      const current = await registryOf(this.env).getApp(app);
      if (current?.liveVersion !== version) return current?.spec.performance?.p95Ms;
      this.budgets.set(version, current.spec.performance?.p95Ms);
    }
    return this.budgets.get(version);
  }

  /** A run on the app's spec: offline it rebuilds correct code from the spec; with a model it can also fix custom code. */
  private async startRun(app: string, request: string, spec: unknown): Promise<string> {
    const id = this.env.RUNS.newUniqueId();
    await this.env.RUNS.get(id).start({ request, app, spec: spec as never, bodyHash: await sha256Hex(request) });
    return id.toString();
  }

  /** Tells the configured webhook about a new error group; a webhook that fails is only logged. */
  private async notify(app: string, message: string, group: unknown): Promise<void> {
    const url = this.env.AIDEVOS_ALERT_WEBHOOK_URL;
    if (!url) return;
    try {
      await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ app, kind: "error_group", message, group }),
      });
    } catch (err) {
      console.warn("alert webhook failed", String(err));
    }
  }

  protected async perform(job: StageJob<MonitoringInput>, log: StageLog) {
    const { app, plan } = job.input;
    const live = await registryOf(this.env).live(app.name);
    if (!live) throw new Error(`${app.name} has no live version`);
    const paths = [
      ...plan.spec.entities.filter((e) => entityOperations(e).includes("list")).map((e) => `/${e.plural}?limit=1`),
      ...(plan.spec.counters ?? []).map((c) => `/counters/${c.name}`),
    ].slice(0, 3);
    const host = appHostOf(this.env, app.name, plan.spec.partition === "perKey" ? PROBE_KEY : undefined);
    const probes: MonitoringOutput["probes"] = [];
    for (const path of paths) {
      const started = Date.now();
      const res = await host.serve(new Request(`http://app${path}`), live);
      await res.arrayBuffer(); // drain: cancelling a body streamed over RPC aborts the pipe
      probes.push({ method: "GET", path, status: res.status, ms: Date.now() - started });
    }
    const bad = probes.filter((p) => p.status >= 500);
    if (bad.length > 0) await log.warn(`probe found ${bad.length} failing route(s) on v${live.version}`);
    const described = probes.map((p) => `GET ${p.path} → ${p.status} in ${p.ms} ms`).join("; ");
    return {
      output: { probes },
      summary: probes.length
        ? `v${live.version} probed: ${described}`
        : `v${live.version} has no read-only route to probe`,
    };
  }
}
