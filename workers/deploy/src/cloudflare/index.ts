export { CloudflareApiError, CloudflareClient, type CloudflareConfig, cloudflareConfig } from "./client";
export { type CloudDeployment, CloudflareDeployer } from "./deployer";
