import type { MonitoringDO } from "./monitoring-do";

/** The monitor of one deployed app. */
export function appMonitorOf(env: Env, app: string): DurableObjectStub<MonitoringDO> {
  return env.MONITORING.get(env.MONITORING.idFromName(`app:${app}`)) as DurableObjectStub<MonitoringDO>;
}
