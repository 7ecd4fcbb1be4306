import { appHostOf, registryOf } from "@aidevos/objects";

/** Tells the app's host what the Registry now says is live, so the very next request is served by it. */
export async function publishLive(env: Env, app: string): Promise<void> {
  const live = await registryOf(env).live(app);
  if (live) await appHostOf(env, app).setLive(live);
}
