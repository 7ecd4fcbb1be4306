/** index.js of every generated app: the Worker entry when the source is deployed on its own with an `APP` binding. */
import { SPEC } from "./model.js";

export { App } from "./app.js";

const KEY = /^[A-Za-z0-9_-]{1,64}$/;

export default {
  async fetch(request, env) {
    if (SPEC.partition !== "perKey") return env.APP.get(env.APP.idFromName("app")).fetch(request);
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
    return env.APP.get(env.APP.idFromName(match[1])).fetch(new Request(url, request));
  },
};
