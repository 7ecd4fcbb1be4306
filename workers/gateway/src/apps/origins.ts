import { NotFoundError } from "@aidevos/core";
import { Hono } from "hono";
import { limitBody } from "../body";
import { errorResponse } from "../errors";
import { serveApp } from "./handlers";
import { appRouteOf } from "./routing";

/**
 * What an app's page may do on the gateway's origin (docs/security.md, "Origins"): run its scripts,
 * forms and popups, but in an opaque origin, so it cannot read the dashboard's storage or call
 * `/v1` with the operator's credentials. Its own origin is where it runs whole.
 */
const APP_SANDBOX_CSP = "sandbox allow-scripts allow-forms allow-popups";

/** An app's own origin (`{name}.localhost:{port}`, `{name}.{APPS_DOMAIN}`): every path is the app's. */
const ownOrigin = new Hono<{ Bindings: Env }>();
ownOrigin.onError(errorResponse);
ownOrigin.use("*", limitBody);
ownOrigin.all("*", (c) => {
  const target = appRouteOf(c.req.raw, c.env);
  if (target.kind !== "app") throw new NotFoundError(target.kind === "refused" ? target.message : "route");
  return serveApp(c, target);
});

interface Fetches {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

/**
 * The Worker's front door: the routing function decides first (apps/routing.ts). A refused path is
 * 404 before any router, Durable Object or app sees it; a request on an app's own origin goes to the
 * app and never to `/v1` or the dashboard; an app's answer on the gateway's origin is sandboxed.
 */
export async function front(request: Request, env: Env, ctx: ExecutionContext, gateway: Fetches): Promise<Response> {
  const route = appRouteOf(request, env);
  if (route.kind === "refused") {
    const error = { code: "not_found", message: route.message, details: [] };
    return onGatewayOrigin(Response.json({ error }, { status: 404 }));
  }
  if (route.kind === "gateway") return gateway.fetch(request, env, ctx);
  if (route.origin === "own") return ownOrigin.fetch(request, env, ctx);
  return onGatewayOrigin(await gateway.fetch(request, env, ctx));
}

/** Every answer under `/apps/` on the gateway's origin: sandboxed by CSP, and no cookie set for that origin. */
function onGatewayOrigin(res: Response): Response {
  // A WebSocket upgrade's 101 carries no document and no cookie to keep.
  if (res.webSocket || res.status === 101) return res;
  const out = new Response(res.body, res);
  out.headers.set("content-security-policy", APP_SANDBOX_CSP);
  out.headers.delete("set-cookie");
  return out;
}
