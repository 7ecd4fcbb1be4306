import { setting } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { appUrl, unsafePath } from "../apps/routing";

const BARE = "/__bench/bare/";

/** Whether a request is for the bare baseline: only with AIDEVOS_BENCH=1, checked before any router runs. */
export function isBare(request: Request, env: Env): boolean {
  return new URL(request.url).pathname.startsWith(BARE) && Boolean(setting(env, "AIDEVOS_BENCH"));
}

/**
 * The proxy benchmark's baseline: `/__bench/bare/<app>/<path>` goes straight to the app's host, as a
 * minimal Worker in front of the same hosts would send it. No router, no body limit or buffering, no
 * name checks, no monitoring: whatever `/apps/<app>/<path>` costs above this is the gateway's.
 */
export async function bare(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const rest = url.pathname.slice(BARE.length);
  const slash = rest.indexOf("/");
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);
  // As the proxy hands it on (redirects left to the client), so the host does the same work for both.
  if (unsafePath(path))
    return Response.json({ error: { code: "not_found", message: path, details: [] } }, { status: 404 });
  const forwarded = new Request(appUrl(path, url.search), {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
  });
  const routed = await appHostOf(env, name).route(name, forwarded);
  if (routed.kind === "served") return routed.response;
  const error = { code: routed.kind === "failed" ? "app_failed" : "not_found", message: routed.kind, details: [] };
  return Response.json({ error }, { status: routed.kind === "failed" ? 502 : 404 });
}
