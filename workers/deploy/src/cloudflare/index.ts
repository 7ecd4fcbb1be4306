export { CloudflareApiError, CloudflareClient, cloudflareConfig } from "./client";
export { CloudflareDeployer } from "./deployer";
export { runScheduleOnCloudflare } from "./run-schedule";
