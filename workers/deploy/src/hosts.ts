import type { AppHostDO } from "./app-host";

/** The host of one partition: the whole app, or one key of a perKey app. */
export function appHostOf(env: Env, app: string, key?: string): DurableObjectStub<AppHostDO> {
  const name = key === undefined ? app : `${app}/k/${key}`;
  return env.APP_HOST.get(env.APP_HOST.idFromName(name)) as DurableObjectStub<AppHostDO>;
}
