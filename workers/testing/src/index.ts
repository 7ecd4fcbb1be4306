export { type AppClient, runIntegrationSuite } from "./integration-suite";
export { DEFAULT_BUDGET, percentile, runPerformanceSuite } from "./performance-suite";
export { runSecuritySuite } from "./security-suite";
export { countRecords, stagingClient } from "./staging-client";
export { TestingDO } from "./testing-do";
