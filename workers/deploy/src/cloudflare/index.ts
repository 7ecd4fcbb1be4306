export { CloudflareApiError, CloudflareClient, cloudflareConfig } from "./client";
export { CloudflareDeployer } from "./deployer";
export { runScheduleOnCloudflare, type ScriptDispatcher } from "./run-schedule";
