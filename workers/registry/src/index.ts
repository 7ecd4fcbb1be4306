export { type DeployRequest, type LiveVersion, RegistryDO, type VersionChange } from "./registry-do";
