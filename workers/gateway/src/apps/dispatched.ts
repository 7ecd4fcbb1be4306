import { NotFoundError, routeOf } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { errorOf, recordRequest, redactedSample } from "./traffic";

/**
 * Workers for Platforms: the app's own Worker routes keys (/k/{key}/...) and holds its channels;
 * its traffic is recorded for the app's monitor as the local path records it.
 */
export async function dispatched(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  name: string,
  path: string,
  request: Request,
  started: number,
): Promise<Response> {
  const key = /^\/k\/([^/]+)/.exec(path)?.[1] ?? null;
  const host = appHostOf(env, name);
  // A key is noted as a partition that may hold data: a schedule run now reaches it (runScheduleOnCloudflare).
  const live = key === null ? await host.live(name) : await host.liveForKey(name, decodeURIComponent(key));
  if (!live || !env.DISPATCHER) throw new NotFoundError(`app ${name}`);
  const res = await env.DISPATCHER.get(name).fetch(request);
  const appPath = key === null ? path : path.slice(3 + key.length) || "/";
  const base = {
    at: started,
    version: live.version,
    method: request.method,
    route: routeOf(request.method, appPath),
    key,
    status: res.status,
    ms: Date.now() - started,
  };
  const copy = res.status >= 500 && !res.webSocket ? res.clone() : null;
  recordRequest(
    env,
    ctx,
    name,
    copy
      ? errorOf(copy, base.route).then((error) => ({ ...base, error, sample: redactedSample(request, appPath) }))
      : base,
  );
  return res;
}
