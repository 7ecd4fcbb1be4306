export { SandboxCodeError } from "./errors";
export { instrumentModule } from "./instrument";
export { scanSource } from "./policy";
export { runUnitTests } from "./unit-runner";
export { appWorkerCode, SANDBOX_COMPATIBILITY_DATE } from "./worker-code";
