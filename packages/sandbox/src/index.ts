export { SandboxCodeError } from "./errors";
export { guardSource } from "./guard";
export { instrumentModule } from "./instrument";
export { PLATFORM_TOKEN_HEADER, PLATFORM_TOKEN_SECRET } from "./platform-token";
export { scanSource } from "./policy";
export { runUnitTests } from "./unit-runner";
export {
  APP_CPU_MS,
  appWorkerCode,
  guardModules,
  MEMORY_RELOAD_HEADER,
  SANDBOX_COMPATIBILITY_DATE,
  SANDBOX_COMPATIBILITY_FLAGS,
  type SandboxOptions,
  sandboxedApp,
  sharedAppWorkerCode,
  unitTestWorkerCode,
} from "./worker-code";
