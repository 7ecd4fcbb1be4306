export { CloudflareApiError, CloudflareClient, cloudflareConfig } from "./client";
export { CloudflareDeployer } from "./deployer";
