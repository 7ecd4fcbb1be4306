export { AppMonitorDO } from "./app-monitor-do";
export { MonitoringDO, PROBE_KEY } from "./monitoring-do";
