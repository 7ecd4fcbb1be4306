export { SandboxCodeError } from "./errors";
export { DEFAULT_BUDGET_TICKS } from "./guard";
export { instrumentModule } from "./instrument";
export { scanSource } from "./policy";
export { runUnitTests } from "./unit-runner";
export { appWorkerCode, SANDBOX_COMPATIBILITY_DATE, type SandboxOptions, unitTestWorkerCode } from "./worker-code";
