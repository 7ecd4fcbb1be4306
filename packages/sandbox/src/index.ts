export { SandboxCodeError } from "./errors";
export { DEFAULT_BUDGET_TICKS, DEFAULT_MAX_ALLOCATION_BYTES, type GuardOptions, guardSource } from "./guard";
export { instrumentModule } from "./instrument";
export { scanSource } from "./policy";
export { runUnitTests } from "./unit-runner";
export {
  APP_CPU_MS,
  appWorkerCode,
  SANDBOX_COMPATIBILITY_DATE,
  SANDBOX_COMPATIBILITY_FLAGS,
  SANDBOX_ENTRY,
  type SandboxOptions,
  sandboxedApp,
  unitTestWorkerCode,
} from "./worker-code";
