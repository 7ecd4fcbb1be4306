import { AidevosError, NotFoundError, PARTITION_KEY_HEADER } from "@aidevos/core";
import { LIVE_HEADER } from "@aidevos/deploy";
import { appHostOf } from "@aidevos/objects";
import { appUrl } from "./routing";

/** `/channels/{name}` or `/k/{key}/channels/{name}` (the path after `/apps/{name}`), already checked by servedTarget. */
const CHANNEL_PATH = /^(?:\/k\/([^/]+))?\/channels\/([^/]+)$/;

/** A WebSocket upgrade of a channel: the request the gateway hands to the partition's host instead of routing it. */
export function isChannelUpgrade(request: Request, path: string): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket" && CHANNEL_PATH.test(path);
}

/**
 * Hands a channel upgrade to the host of its partition (`fetch`, which carries WebSockets; RPC
 * does not), with the live version the app's host names. The 101 Response and its `webSocket`
 * go back to the client as they are. Checks that apply to every request of the app (an
 * `access: "key"` app's Bearer key) run before this, in the caller.
 */
export async function channelUpgrade(env: Env, name: string, path: string, request: Request): Promise<Response> {
  const [, rawKey, channel] = CHANNEL_PATH.exec(path) ?? [];
  const key = rawKey === undefined ? null : decodeURIComponent(rawKey);
  const appHost = appHostOf(env, name);
  const live = key === null ? await appHost.live(name) : await appHost.liveForKey(name, key);
  if (!live) throw new NotFoundError(`app ${name}`);
  if (live.partition === "perKey" && key === null)
    throw new NotFoundError(`a key: ${name} keeps data per key, use /apps/${name}/k/{key}/channels/${channel}`);
  if (live.partition === "single" && key !== null) throw new AidevosError("not_found", `route ${path} not found`, 404);
  const headers = new Headers(request.headers);
  headers.delete(PARTITION_KEY_HEADER);
  if (key !== null) headers.set(PARTITION_KEY_HEADER, key);
  headers.set(LIVE_HEADER, JSON.stringify(live));
  const host = key === null ? appHostOf(env, name) : appHostOf(env, name, key);
  return host.fetch(new Request(appUrl(`/channels/${channel}`, ""), { headers }));
}
