export { MonitoringDO, PROBE_KEY } from "./monitoring-do";
