import { entityOperations } from "@aidevos/core";
import { appHostOf, dumpTables, registryOf, type TableDump } from "@aidevos/objects";
import { type MonitoringInput, type MonitoringOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { MONITOR_TABLES } from "./app-monitor";

/** The partition key the post-deploy probe uses on perKey apps, so it never touches a user's data. */
const PROBE_KEY = "_aidevos-probe";

/**
 * Monitoring stage (one instance per run): probes a fresh deploy over the same routing as
 * production. Watching the app afterwards is its AppMonitorDO's work.
 */
export class MonitoringDO extends StageDO<MonitoringInput, MonitoringOutput, Env> {
  readonly stage = "monitoring";

  /**
   * Before AppMonitorDO existed, an app's records lived in this class (instance `app:<name>`).
   * The app's monitor asks for them once, on its first start; no stage instance has any.
   */
  async handOverAppMonitor(): Promise<TableDump> {
    return dumpTables(this.ctx.storage.sql, MONITOR_TABLES);
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
