/** index.js of every generated app: the Worker entry when the source is deployed on its own with an `APP` binding. */
import { SPEC } from "./model.js";

export { App } from "./app.js";

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** How an action learns its partition (ctx.key): set here, never taken from the client (PARTITION_KEY_HEADER in @aidevos/core). */
const KEY_HEADER = "x-aidevos-partition-key";

/**
 * The platform's calls into an app (app.js platformCall): only the platform may make them. On
 * Cloudflare the sandbox's entry module verifies the platform token and says so with
 * AIDEVOS_PLATFORM_CALL; the call then reaches the object by RPC, never as an HTTP path.
 */
const INTERNAL = /^(\/k\/[^/]*)?\/_aidevos(\/|$)/;
const PLATFORM_CALL = /^(?:\/k\/([^/]+))?\/_aidevos\/(.+)$/;

function notFound(message) {
  return Response.json({ error: { code: "not_found", message, details: [] } }, { status: 404 });
}

/** A verified platform call: to the partition's object, by RPC. */
function platformCall(request, env, pathname) {
  const match = PLATFORM_CALL.exec(pathname);
  if (!match) return notFound("route not found");
  const key = match[1];
  const own = new Request(request, { redirect: "manual" });
  own.headers.delete(KEY_HEADER);
  if (SPEC.partition !== "perKey") {
    if (key !== undefined) return notFound("route not found");
    return env.APP.get(env.APP.idFromName("app")).platformCall(match[2], own);
  }
  if (key === undefined || !KEY.test(key)) return notFound("use /k/{key}/... with a key of letters, digits, _ or -");
  own.headers.set(KEY_HEADER, key);
  return env.APP.get(env.APP.idFromName(key)).platformCall(match[2], own);
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (INTERNAL.test(pathname))
      return env.AIDEVOS_PLATFORM_CALL === true ? platformCall(request, env, pathname) : notFound("route not found");
    if (SPEC.partition !== "perKey") {
      const own = new Request(request, { redirect: "manual" });
      own.headers.delete(KEY_HEADER);
      return env.APP.get(env.APP.idFromName("app")).fetch(own);
    }
    // One object per key: /k/{key}/... reaches the key's object as /...
    const url = new URL(request.url);
    const match = /^\/k\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match || !KEY.test(match[1])) {
      const error = {
        code: "not_found",
        message: "use /k/{key}/... with a key of letters, digits, _ or -",
        details: [],
      };
      return Response.json({ error }, { status: 404 });
    }
    url.pathname = match[2] ?? "/";
    const forwarded = new Request(url, request);
    forwarded.headers.set(KEY_HEADER, match[1]);
    return env.APP.get(env.APP.idFromName(match[1])).fetch(new Request(forwarded, { redirect: "manual" }));
  },
};
