import {
  AidevosError,
  type AppliedChange,
  AppName,
  ConflictError,
  ConstraintViolationError,
  contractDiff,
  type ErrorGroup,
  type FeedEntry,
  NotFoundError,
  OfflineNeedsSpecError,
  QuotaExceededError,
  redactSpecPasswords,
  routeOf,
  SpendCapReachedError,
  ValidationError,
  type VersionChange,
} from "@aidevos/core";
import { type Routed, runScheduleOnCloudflare } from "@aidevos/deploy";
import { providerName } from "@aidevos/llm";
import { appControlOf, appHostOf, appMonitorOf, newRunOf, registryOf, trafficBufferOf } from "@aidevos/objects";
import { OpenAPIHono } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import { appKeyRequired, appRequestHeaders } from "../auth";
import { limitBody } from "../body";
import { validationHook } from "../errors";
import { channelUpgrade, isChannelUpgrade } from "./channels";
import { dispatched } from "./dispatched";
import {
  contractDiffRoute,
  errorsRoute,
  feedbackRoute,
  feedRoute,
  getAppRoute,
  listAppsRoute,
  metricsRoute,
  promoteAppRoute,
  realtimeRoute,
  rollbackAppRoute,
  runScheduleRoute,
  usageRoute,
} from "./routes";
import { appRouteOf, appUrl } from "./routing";
import { errorOf, recordRequest, redactedSample } from "./traffic";
import { streamedUploadLimit } from "./uploads";

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
  const storage = await appHostOf(c.env, name).storage(name);
  // Password values in the spec's example steps read *** (docs/appspec.md, Accounts).
  const shown = { ...app, spec: redactSpecPasswords(app.spec) };
  return c.json(storage ? { ...shown, storage } : shown, 200);
});

apps.openapi(contractDiffRoute, async (c) => {
  const { name, version } = c.req.valid("param");
  const found = await registryOf(c.env).specs(name, version);
  if (!found) throw new NotFoundError(`app ${name} version ${version}`);
  const changes = found.previous ? contractDiff(found.previous.spec, found.spec) : [];
  return c.json(
    { version, fromVersion: found.previous?.version ?? null, changes, breaking: changes.some((ch) => ch.breaking) },
    200,
  );
});

/** The app's monitor, once the app exists, with every request its traffic buffer held handed to it. */
async function monitorOf(env: Env, name: string) {
  if (!(await registryOf(env).live(name))) throw new NotFoundError(`app ${name}`);
  await trafficBufferOf(env, name)
    .handOff(name)
    .catch((err: unknown) => console.warn(`traffic buffer of ${name} unavailable`, String(err)));
  return appMonitorOf(env, name);
}

apps.openapi(metricsRoute, async (c) => {
  const { name } = c.req.valid("param");
  const { granularity, limit } = c.req.valid("query");
  return c.json(await (await monitorOf(c.env, name)).metrics(name, granularity, limit), 200);
});

apps.openapi(errorsRoute, async (c) => {
  const { name } = c.req.valid("param");
  // RPC typing turns the groups' free-form `sample` into never; it is plain JSON.
  const items = (await (await monitorOf(c.env, name)).errors()) as unknown as ErrorGroup[];
  return c.json({ items }, 200);
});

apps.openapi(usageRoute, async (c) => {
  const { name } = c.req.valid("param");
  return c.json({ items: await (await monitorOf(c.env, name)).usage(c.req.valid("query").days) }, 200);
});

apps.openapi(feedRoute, async (c) => {
  const { name } = c.req.valid("param");
  const items = (await (await monitorOf(c.env, name)).feed()) as unknown as FeedEntry[];
  return c.json({ items }, 200);
});

apps.openapi(feedbackRoute, async (c) => {
  const { app, message } = c.req.valid("json");
  const monitor = await monitorOf(c.env, app);
  if (providerName(c.env) === "offline") throw new OfflineNeedsSpecError();
  const started = await newRunOf(c.env).run.start({ request: message, app, bodyHash: crypto.randomUUID() });
  if (started.kind === "mismatch") throw new ConflictError("run id collision");
  if (started.kind === "refused") throw new SpendCapReachedError(started.spentUsd, started.capUsd);
  await monitor.addFeed("feedback", message.slice(0, 500), { runId: started.run.id });
  return c.json(started.run, 202);
});

function applied(change: VersionChange): AppliedChange {
  if (change.ok) return { ok: true as const, version: change.version, fromVersion: change.fromVersion };
  switch (change.reason) {
    case "no_app":
    case "no_version":
      throw new AidevosError("not_found", change.message, 404);
    case "cloudflare_error":
      throw new AidevosError("cloudflare_api_error", change.message, 502);
    case "constraint_violation":
      throw new ConstraintViolationError(change.message, change.details ?? []);
    default:
      throw new ConflictError(change.message);
  }
}

apps.openapi(rollbackAppRoute, async (c) => {
  const { name } = c.req.valid("param");
  const { version, options } = c.req.valid("json");
  return c.json(applied(await appControlOf(c.env, name).rollback(version, null, options?.force === true)), 200);
});

apps.openapi(promoteAppRoute, async (c) => {
  const { name } = c.req.valid("param");
  return c.json(applied(await appControlOf(c.env, name).promote()), 200);
});

apps.openapi(runScheduleRoute, async (c) => {
  const { name, schedule } = c.req.valid("param");
  const { key } = c.req.valid("query");
  // An app in the dispatch namespace runs there (its data is there); otherwise in its host here.
  const ran =
    (c.env.DISPATCHER && (await runScheduleOnCloudflare(c.env, c.env.DISPATCHER, name, schedule, key ?? null))) ??
    (await appHostOf(c.env, name).runSchedule(name, schedule, key ?? null));
  if (ran.kind === "no_app") throw new NotFoundError(`app ${name}`);
  if (ran.kind === "no_schedule") throw new NotFoundError(`schedule ${schedule} of ${name}`);
  return c.json({ partitions: ran.partitions }, 200);
});

apps.openapi(realtimeRoute, async (c) => {
  const { name } = c.req.valid("param");
  const app = await registryOf(c.env).getApp(name);
  if (!app) throw new NotFoundError(`app ${name}`);
  const stats = await appMonitorOf(c.env, name).realtime();
  const schedules = (app.spec.schedules ?? []).map((s) => {
    const seen = stats.schedules.find((x) => x.name === s.name);
    return {
      ...s,
      lastRunAt: seen?.lastRunAt ?? null,
      lastError: seen?.lastError ?? null,
      runs: seen?.runs ?? 0,
      errors: seen?.errors ?? 0,
    };
  });
  const channels = (app.spec.channels ?? []).map((ch) => {
    const seen = stats.channels.find((x) => x.name === ch.name);
    return {
      name: ch.name,
      onMessage: ch.onMessage ?? null,
      members: seen?.members ?? 0,
      connections: seen?.connections ?? 0,
      messages: seen?.messages ?? 0,
    };
  });
  return c.json({ schedules, channels }, 200);
});

/**
 * `/apps/:name/*` (and `/apps/:name/k/:key/*` for perKey apps): the live version of a deployed
 * app, one host Durable Object per app or per key. The app sees paths relative to its base. The
 * app's own host knows the live version, so a request touches no global object.
 */
export const served = new Hono<{ Bindings: Env }>();

served.use("/apps/*", limitBody);

served.all("/apps/:name/*", (c) => {
  const target = appRouteOf(c.req.raw, c.env);
  if (target.kind !== "app") throw new NotFoundError(target.kind === "refused" ? target.message : "app");
  return serveApp(c, target);
});

/**
 * Serves a request for an app: `target` is the app and its path as the routing function checked
 * them (apps/routing.ts), on the gateway's origin or the app's own (apps/origins.ts).
 */
export async function serveApp(
  c: Context<{ Bindings: Env }>,
  target: { name: string; path: string; origin: "gateway" | "own" },
) {
  const { name, path } = target;
  // The body is read here, whole and bounded, before the host is called: a body still streaming
  // across RPC to an app that answers without reading it could leave the client with no answer.
  // File uploads (apps/uploads.ts) stream on instead: a 10 MiB upload never sits whole in the gateway's memory.
  const body =
    c.req.method === "GET" || c.req.method === "HEAD"
      ? null
      : streamedUploadLimit(c.req.raw) !== null
        ? c.req.raw.body
        : await c.req.arrayBuffer();
  const request = new Request(appUrl(path, new URL(c.req.url).search), {
    method: c.req.method,
    // Never the operator's API token, nor (on the gateway's origin) the gateway's cookies.
    headers: await appRequestHeaders(c.req.raw.headers, c.env, target.origin),
    body,
    redirect: "manual",
  });
  const host = appHostOf(c.env, name);
  const started = Date.now();
  // Access checks that apply to every request of the app (`access: "key"`) belong above this
  // line, so that channel upgrades and the dispatch route pass them too. Requests routed through
  // the host (`host.route`) are checked there; these two paths skip it, so they are checked here.
  if (c.env.DISPATCHER || isChannelUpgrade(request, path)) {
    const live = await host.live(name);
    if (!live) throw new NotFoundError(`app ${name}`);
    const refused = live.access === "key" ? await host.authorize(name, request) : null;
    if (refused?.kind === "unauthorized") throw appKeyRequired(name, refused.keySent);
  }
  if (c.env.DISPATCHER) return dispatched(c.env, c.executionCtx, name, path, request, started);
  if (isChannelUpgrade(request, path)) {
    const res = await channelUpgrade(c.env, name, path, request);
    const version = (await host.live(name))?.version ?? 0;
    recordRequest(c.env, c.executionCtx, name, {
      at: started,
      version,
      method: "GET",
      route: routeOf("GET", path.replace(/^\/k\/[^/]+/, "")),
      status: res.status,
      ms: Date.now() - started,
      key: null,
    });
    return res;
  }
  let routed: Routed;
  try {
    routed = await host.route(name, request);
  } catch (err) {
    console.warn(`the host of ${name} failed`, String(err));
    throw new AidevosError("app_failed", `${name} could not be reached; try again`, 502);
  }
  switch (routed.kind) {
    case "no_app":
      throw new NotFoundError(`app ${name}`);
    case "no_key":
      throw new NotFoundError(`a key: ${name} keeps data per key, use /apps/${name}/k/{key}/`);
    case "bad_key":
      throw new AidevosError("not_found", "no such key (keys match ^[A-Za-z0-9_-]{1,64}$)", 404);
    case "unauthorized":
      throw appKeyRequired(name, routed.keySent);
    case "quota_exceeded":
      throw new QuotaExceededError(routed.message);
  }
  const base = {
    at: started,
    version: routed.version,
    method: request.method,
    route: routeOf(request.method, routed.path),
    key: routed.key,
  };
  if (routed.kind === "failed") {
    recordRequest(c.env, c.executionCtx, name, {
      ...base,
      status: 502,
      ms: Date.now() - started,
      error: { message: routed.message, frame: routed.frame },
      sample: redactedSample(request, routed.path),
    });
    throw new AidevosError(
      "app_failed",
      `${name} failed to answer; the error is recorded in /v1/apps/${name}/errors`,
      502,
    );
  }
  const served = routed.response;
  const ms = Date.now() - started;
  // A JSON 400 answer (an error envelope, bounded like every answer of the sandboxed app) is read
  // here for the fields that failed validation (usage insights); the client gets the same bytes.
  const isJson = (served.headers.get("content-type") ?? "").startsWith("application/json");
  const refused = served.status === 400 && isJson ? await served.text() : null;
  const res = refused === null ? served : new Response(refused, served);
  // The error body is read from a copy, after the response has gone.
  const copy = res.status >= 500 ? res.clone() : null;
  recordRequest(
    c.env,
    c.executionCtx,
    name,
    copy
      ? errorOf(copy, base.route).then((error) => ({
          ...base,
          status: res.status,
          ms,
          error,
          sample: redactedSample(request, routed.path),
        }))
      : { ...base, status: res.status, ms, ...invalidFieldsOf(refused) },
  );
  return res;
}

/** The field paths a 400 validation_failed answer names (its details), for usage insights. */
function invalidFieldsOf(text: string | null): { invalid?: string[] } {
  if (text === null) return {};
  try {
    const body = JSON.parse(text) as { error?: { code?: string; details?: { path?: unknown }[] } };
    if (body.error?.code !== "validation_failed" || !Array.isArray(body.error.details)) return {};
    const paths = body.error.details.map((d) => String(d?.path ?? "").slice(0, 100)).filter(Boolean);
    return paths.length ? { invalid: [...new Set(paths)].slice(0, 10) } : {};
  } catch {
    return {};
  }
}
