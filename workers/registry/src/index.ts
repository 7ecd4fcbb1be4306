export { type DeployRequest, type LiveVersion, RegistryDO } from "./registry-do";
