export { AppControlDO, type AppDeploy, type AppDeployResult } from "./app-control";
export { AppHostDO, type LiveTarget, type Routed } from "./app-host";
export { CloudflareApiError, CloudflareClient, CloudflareDeployer } from "./cloudflare";
export { DeployDO } from "./deploy-do";
