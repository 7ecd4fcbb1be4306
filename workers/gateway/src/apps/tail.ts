import type { RequestEvent } from "@aidevos/core";
import { setting } from "@aidevos/core";
import { recordScheduleRun } from "@aidevos/deploy";
import { appHostOf, appMonitorOf, trafficBufferOf } from "@aidevos/objects";
import { type TailReport, tailReports } from "./tail-reports";
import { requestEventOf } from "./tail-requests";

/**
 * The gateway's tail handler: apps shipped to Cloudflare name this Worker as their tail consumer
 * (CloudflareDeployer), so their alarms' schedule runs (one structured line each, from the runtime)
 * and failed alarms reach each app's monitor as local runs do, and the requests their Workers served
 * at workers.dev (which bypass the gateway) reach it as the requests the gateway serves do. Only
 * events of Workers named like an app that exists, in the namespace apps are uploaded into, count.
 * Events that carry nothing of ours cost no call; the rest cost calls to the app's own objects and
 * its traffic buffer shard only (never a global one), once per app per batch.
 */
export async function recordTail(events: readonly TraceItem[], env: Env): Promise<void> {
  const scope = {
    ownScript: setting(env, "AIDEVOS_SCRIPT_NAME"),
    namespace: setting(env, "CLOUDFLARE_DISPATCH_NAMESPACE"),
    appPrefix: setting(env, "AIDEVOS_APP_SCRIPT_PREFIX"),
  };
  const reports = tailReports(events, scope);
  await Promise.all(
    reports.map((report) =>
      record(env, report).catch((err) => console.warn(`tail events of ${report.app} were not recorded`, String(err))),
    ),
  );
}

async function record(env: Env, report: TailReport): Promise<void> {
  const live = await appHostOf(env, report.app).live(report.app);
  if (!live) return;
  if (report.dropped > 0)
    console.warn(`monitoring of ${report.app} missed ${report.dropped} requests of one tail batch`);
  const requests = report.requests.map((r) => requestEventOf(r, live)).filter((e): e is RequestEvent => e !== null);
  // Handed to the app's traffic buffer shard as recordRequest hands the gateway's own (a tail batch is a batch already).
  if (requests.length > 0) await trafficBufferOf(env, report.app).hold(report.app, requests);
  const base = { app: report.app, version: live.version, codeHash: live.codeHash };
  for (const run of report.runs) {
    const outcome = { ok: run.ok, ...(run.error ? { error: { error: run.error } } : {}), broadcasts: [] };
    await recordScheduleRun(env, { ...base, key: run.key }, run.schedule, run.at, outcome, run.ms);
  }
  if (report.alarmFailures.length === 0) return;
  await appMonitorOf(env, report.app).record(
    report.app,
    report.alarmFailures.map((f) => ({
      at: f.at,
      version: live.version,
      method: "ALARM",
      route: "ALARM",
      status: 500,
      ms: f.ms,
      key: null,
      error: { message: f.message, frame: "alarm" },
    })),
  );
}
