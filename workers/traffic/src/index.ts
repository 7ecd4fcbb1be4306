export { MonitorRelay } from "./monitor-relay";
export { TrafficBufferDO } from "./traffic-buffer-do";
