import { appControlOf, appHostOf, registryOf } from "@aidevos/objects";
import { PLATFORM_TOKEN_HEADER } from "@aidevos/sandbox";
import type { ScheduleRun } from "../app-host";
import { type Outcome, type Place, recordScheduleRun } from "../realtime-host";

/** What reaches an app's Worker by its script name: the gateway's dispatch namespace binding. */
export interface ScriptDispatcher {
  get(script: string): { fetch(request: Request): Promise<Response> };
}

/** A run that could not reach the app, or that Cloudflare refused: an outcome like any failed run. */
function failed(message: string): Outcome {
  return { ok: false, error: { error: { code: "internal_error", message: message.slice(0, 200) } }, broadcasts: [] };
}

/**
 * Runs a schedule now in the app's Worker on Cloudflare (through the dispatch namespace), in the
 * partitions the app's host names, eight at a time; each outcome reaches the app's monitor as a
 * local run's does. The app's own object delivers the broadcasts to the members it holds. The call
 * carries the app's platform token (AppControlDO); without it the Worker answers 404.
 * Null when the app is not on Cloudflare: it then runs here.
 */
export async function runScheduleOnCloudflare(
  env: Env,
  dispatcher: ScriptDispatcher,
  app: string,
  name: string,
  key: string | null,
): Promise<ScheduleRun | null> {
  const cloud = await registryOf(env).liveCloudflare(app);
  if (!cloud) return null;
  const where = await appHostOf(env, app).schedulePlaces(app, name, key);
  if (where.kind !== "places") return where;
  const token = await appControlOf(env, app).platformToken();
  const worker = dispatcher.get(cloud.script);
  const run = async (place: Place) => {
    const started = Date.now();
    const outcome = token?.ok
      ? await callWorker(worker, place, name, token.token)
      : failed(`the app's Worker could not be given its platform token: ${token?.message ?? "not on Cloudflare"}`);
    await recordScheduleRun(env, place, name, started, outcome);
  };
  for (let i = 0; i < where.places.length; i += 8) await Promise.all(where.places.slice(i, i + 8).map(run));
  return { kind: "ran", partitions: where.places.length };
}

async function callWorker(
  worker: ReturnType<ScriptDispatcher["get"]>,
  place: Place,
  name: string,
  token: string,
): Promise<Outcome> {
  const partition = place.key === null ? "" : `/k/${encodeURIComponent(place.key)}`;
  const request = new Request(`https://app${partition}/_aidevos/schedule/${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": "application/json", [PLATFORM_TOKEN_HEADER]: token },
    body: "{}",
  });
  try {
    const res = await worker.fetch(request);
    if (!res.ok) return failed(`the app's Worker answered ${res.status}`);
    return (await res.json()) as Outcome;
  } catch (err) {
    return failed(`the app's Worker could not be reached: ${err instanceof Error ? err.message : String(err)}`);
  }
}
