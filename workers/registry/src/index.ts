export { type LiveVersion, RegistryDO } from "./registry-do";
