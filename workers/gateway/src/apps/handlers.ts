import { AidevosError, ConflictError, NotFoundError, PartitionKey, ValidationError } from "@aidevos/core";
import { appHostOf } from "@aidevos/deploy";
import type { VersionChange } from "@aidevos/registry";
import { registryOf } from "@aidevos/registry";
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { validationHook } from "../errors";
import { getAppRoute, listAppsRoute, promoteAppRoute, rollbackAppRoute } from "./routes";

export const apps = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

apps.openapi(listAppsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await registryOf(c.env).listApps(limit, cursor);
  if (!page) throw new ValidationError([{ path: "cursor", message: "not a cursor from this list" }]);
  return c.json(page, 200);
});

apps.openapi(getAppRoute, async (c) => {
  const { name } = c.req.valid("param");
  const app = await registryOf(c.env).getApp(name);
  if (!app) throw new NotFoundError(`app ${name}`);
  return c.json(app, 200);
});

/** Rollbacks and promotions of one app go through one Deploy DO, which alone holds the Cloudflare token. */
function appDeployer(env: Env, name: string) {
  return env.DEPLOY.get(env.DEPLOY.idFromName(`app:${name}`));
}

function applied(change: VersionChange) {
  if (change.ok) return { ok: true as const, version: change.version, fromVersion: change.fromVersion };
  switch (change.reason) {
    case "no_app":
    case "no_version":
      throw new AidevosError("not_found", change.message, 404);
    case "cloudflare_error":
      throw new AidevosError("cloudflare_api_error", change.message, 502);
    default:
      throw new ConflictError(change.message);
  }
}

apps.openapi(rollbackAppRoute, async (c) => {
  const { name } = c.req.valid("param");
  const { version } = c.req.valid("json");
  return c.json(applied(await appDeployer(c.env, name).rollback(name, version)), 200);
});

apps.openapi(promoteAppRoute, async (c) => {
  const { name } = c.req.valid("param");
  return c.json(applied(await appDeployer(c.env, name).promote(name)), 200);
});

/**
 * `/apps/:name/*` (and `/apps/:name/k/:key/*` for perKey apps): the live version of a deployed
 * app, one host Durable Object per app or per key. The app sees paths relative to its base.
 */
export const served = new Hono<{ Bindings: Env }>();

served.all("/apps/:name/*", async (c) => {
  const name = c.req.param("name");
  const live = await registryOf(c.env).live(name);
  if (!live) throw new NotFoundError(`app ${name}`);
  const url = new URL(c.req.url);
  let rest = url.pathname.slice(`/apps/${name}`.length) || "/";
  if (c.env.DISPATCHER) {
    // Workers for Platforms: the app's own Worker routes keys itself (/k/{key}/...).
    return c.env.DISPATCHER.get(name).fetch(new Request(new URL(rest + url.search, "http://app"), c.req.raw));
  }
  let key: string | undefined;
  if (live.partition === "perKey") {
    const match = /^\/k\/([^/]*)(\/.*)?$/.exec(rest);
    if (!match) throw new NotFoundError(`a key: ${name} keeps data per key, use /apps/${name}/k/{key}/`);
    const parsed = PartitionKey.safeParse(decodeURIComponent(match[1]!));
    if (!parsed.success) throw new ValidationError([{ path: "key", message: "must match ^[A-Za-z0-9_-]{1,64}$" }]);
    key = parsed.data;
    rest = match[2] ?? "/";
  }
  const request = new Request(new URL(rest + url.search, "http://app"), c.req.raw);
  return appHostOf(c.env, name, key).serve(request, live);
});
