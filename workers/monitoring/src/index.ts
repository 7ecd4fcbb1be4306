export { MonitoringDO, PROBE_KEY } from "./monitoring-do";
export { appMonitorOf } from "./monitors";
