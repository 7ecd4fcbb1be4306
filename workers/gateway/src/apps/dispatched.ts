import { NotFoundError, QuotaExceededError, routeOf } from "@aidevos/core";
import { storedOf, withoutStored } from "@aidevos/deploy";
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
  const raw = /^\/k\/([^/]+)/.exec(path)?.[1] ?? null;
  const key = raw === null ? null : decodeURIComponent(raw);
  const host = appHostOf(env, name);
  // The app's own Worker holds its channel members and moves them to a new version itself.
  const live = await host.live(name);
  if (!live || !env.DISPATCHER) throw new NotFoundError(`app ${name}`);
  // The app's host keeps the partitions and their sizes: a write over a quota never reaches the Worker.
  const refused =
    request.method === "GET" || request.method === "HEAD" ? null : await host.refusal(key, request.method);
  if (refused) throw new QuotaExceededError(refused);
  const answered = await env.DISPATCHER.get(name).fetch(request);
  // A key becomes a partition (a schedule run now reaches it) once its answer says it stores data.
  const stored = storedOf(request.method, answered);
  if (stored !== null) await host.partitionStored(key, stored);
  const res = withoutStored(answered);
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
