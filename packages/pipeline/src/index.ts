export type * from "./handoffs";
export { type RunLedger, StageDO, type StageEnv } from "./stage-do";
export type { FinishedReport, StageEndpoint, StageJob, StageLog, StageOutcome, StageReport } from "./stage-report";
