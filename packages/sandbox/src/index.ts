export { SandboxCodeError } from "./errors";
export { guardSource } from "./guard";
export { instrumentModule } from "./instrument";
export { scanSource } from "./policy";
export { runUnitTests } from "./unit-runner";
export {
  APP_CPU_MS,
  appWorkerCode,
  SANDBOX_COMPATIBILITY_DATE,
  SANDBOX_COMPATIBILITY_FLAGS,
  type SandboxOptions,
  sandboxedApp,
  sharedAppWorkerCode,
  unitTestWorkerCode,
} from "./worker-code";
