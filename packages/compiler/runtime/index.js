/** index.js of every generated app: the Worker entry when the source is deployed on its own with an `APP` binding. */
import { SPEC } from "./model.js";

export { App } from "./app.js";

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** How an action learns its partition (ctx.key): set here, never taken from the client (PARTITION_KEY_HEADER in @aidevos/core). */
const KEY_HEADER = "x-aidevos-partition-key";

/**
 * The platform's calls into an app (app.js INTERNAL): only the platform may make them. On Cloudflare
 * the sandbox's entry module verifies the platform token and says so with AIDEVOS_PLATFORM_CALL.
 */
const INTERNAL = /^(\/k\/[^/]*)?\/_aidevos(\/|$)/;

export default {
  async fetch(request, env) {
    if (INTERNAL.test(new URL(request.url).pathname) && env.AIDEVOS_PLATFORM_CALL !== true) {
      const error = { code: "not_found", message: "route not found", details: [] };
      return Response.json({ error }, { status: 404 });
    }
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
