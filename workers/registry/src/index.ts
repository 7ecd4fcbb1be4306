import type { RegistryDO } from "./registry-do";

export { type DeployRequest, type LiveVersion, RegistryDO, type VersionChange } from "./registry-do";

/** The one Registry instance. */
export function registryOf(env: Env): DurableObjectStub<RegistryDO> {
  return env.REGISTRY.get(env.REGISTRY.idFromName("global")) as DurableObjectStub<RegistryDO>;
}
