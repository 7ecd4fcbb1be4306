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
  const live = await appHostOf(env, name).live(name);
  if (!live || !env.DISPATCHER) throw new NotFoundError(`app ${name}`);
  const res = await env.DISPATCHER.get(name).fetch(request);
  const key = /^\/k\/([^/]+)/.exec(path)?.[1] ?? null;
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
