export type * from "./handoffs";
export * from "./stage-do";
export type { FinishedReport, StageEndpoint, StageJob, StageLog, StageReport } from "./stage-report";
