export { runIntegrationSuite } from "./integration-suite";
export { runPerformanceSuite } from "./performance-suite";
export { runSecuritySuite } from "./security-suite";
export { countRecords, stagingClient } from "./staging-client";
export { TestingDO } from "./testing-do";
