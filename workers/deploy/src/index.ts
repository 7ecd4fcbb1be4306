export { AppControlDO } from "./app-control";
export { AppHostDO, LIVE_HEADER, type Routed } from "./app-host";
export { AppPlatform } from "./app-platform";
export { CloudflareClient, CloudflareDeployer, runScheduleOnCloudflare } from "./cloudflare";
export { DeployDO } from "./deploy-do";
export { storedOf, withoutStored } from "./partitions";
export { recordScheduleRun } from "./realtime-host";
