export { AppMonitorDO } from "./app-monitor-do";
export { MonitoringDO } from "./monitoring-do";
