import { compileApp } from "@aidevos/compiler";
import {
  AppSpec,
  bundleHash,
  detailsFromIssues,
  LiveTouch,
  MonitoringSeed,
  NotFoundError,
  RegistrySeed,
  type RequestEvent,
  ServeMany,
  type StorageSizes,
  setting,
  UnitRerun,
  ValidationError,
} from "@aidevos/core";
import { appMonitorOf, registryOf, trafficBuffers } from "@aidevos/objects";
import { runUnitTests, unitTestWorkerCode } from "@aidevos/sandbox";
import { Hono } from "hono";
import type { z } from "zod";
import { served } from "../apps";
import { bearerAuth } from "../auth";
import { jsonBody, limitBody } from "../body";
import { bare } from "./bare";
import { guardCost } from "./guard-cost";
import { syntheticTraffic } from "./synthetic-traffic";

/** As many events as the gateway sends a monitor at once. */
const RECORD_BATCH = 200;

/**
 * What `pnpm bench` needs besides the public API, only with AIDEVOS_BENCH=1 (and behind the API token
 * when one is set): seeding through the real write paths, so that scale can be measured without hours
 * of runs, and storage sizes. The proxy's baseline is not here but in bare.ts, before any router.
 */
export const bench = new Hono<{ Bindings: Env }>();

bench.use("/__bench/*", async (c, next) => {
  if (!setting(c.env, "AIDEVOS_BENCH")) throw new NotFoundError(`route ${c.req.method} ${new URL(c.req.url).pathname}`);
  return next();
});
bench.use("/__bench/*", bearerAuth(), limitBody);

async function valid<T extends z.ZodType>(schema: T, body: unknown): Promise<z.infer<T>> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(detailsFromIssues(parsed.error.issues, ""));
  return parsed.data;
}

/** Records apps as the deploy stage does: one compiled bundle and one Registry version each. */
bench.post("/__bench/registry/seed", jsonBody, async (c) => {
  const { prefix, from, count, kind } = await valid(RegistrySeed, await c.req.json());
  const registry = registryOf(c.env);
  const names: string[] = [];
  for (let n = from; n < from + count; n++) {
    const name = `${prefix}-${String(n).padStart(6, "0")}`;
    const spec = AppSpec.parse({
      name,
      partition: kind === "mixed" && n % 4 === 0 ? "perKey" : "single",
      entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
      ...(kind === "actions" ? { actions: [seedAction(n)] } : {}),
    });
    await registry.deploy({ app: name, spec, bundle: await compileApp(spec), runId: `bench-seed:${name}` });
    names.push(name);
  }
  return c.json({ names }, 201);
});

/** How many apps a touch serves at once. */
const TOUCH_CONCURRENCY = 8;

/** Requests a path of every app through the real `/apps/:name/*` handler, monitoring included. */
bench.post("/__bench/touch", jsonBody, async (c) => {
  const { apps, path, via } = await valid(LiveTouch, await c.req.json());
  const statuses: Record<string, number> = {};
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: TOUCH_CONCURRENCY }, async () => {
      while (next < apps.length) {
        const app = apps[next++]!;
        const res =
          via === "bare"
            ? await bare(new Request(`http://bench/__bench/bare/${app}${path}`), c.env)
            : await served.fetch(new Request(`http://bench/apps/${app}${path}`), c.env, c.executionCtx);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  return c.json({ statuses, ms: Date.now() - started }, 200);
});

/**
 * Serves `count` numbered requests to one app through the real `/apps/:name/*` handler (host, facet,
 * monitoring): the schedule benchmark's 1,000 partitions and the list benchmark's 100,000 records.
 */
bench.post("/__bench/serve", jsonBody, async (c) => {
  const { app, method, path, body, count, concurrency } = await valid(ServeMany, await c.req.json());
  const numbered = (text: string, i: number) => text.replaceAll("{i}", String(i));
  const statuses: Record<string, number> = {};
  let failure: string | undefined;
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const json =
          body &&
          JSON.stringify(
            Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? numbered(v, i) : v])),
          );
        const res = await served.fetch(
          new Request(`http://bench/apps/${app}${numbered(path, i)}`, {
            method,
            ...(json ? { body: json, headers: { "content-type": "application/json" } } : {}),
          }),
          c.env,
          c.executionCtx,
        );
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 400) failure ??= `${res.status} ${text.slice(0, 300)}`;
      }
    }),
  );
  return c.json({ statuses, ms: Date.now() - started, ...(failure ? { failure } : {}) }, 200);
});

/**
 * The upload benchmark's baseline (bench/data.run.ts): the request's bytes put straight into APP_FILES
 * by this Worker, the same bucket the app route's platform writes, with nothing between (no app host,
 * no sandboxed runtime, no counting or hashing). The path is shaped like a file route, so the body
 * limit streams it on exactly as it streams an app's upload.
 */
bench.put("/__bench/files/:key", async (c) => {
  const body = c.req.raw.body;
  const length = Number(c.req.header("content-length"));
  if (!body || !Number.isSafeInteger(length))
    throw new ValidationError([{ path: "body", message: "a body with a Content-Length" }]);
  const stored = await c.env.APP_FILES.put(`bench/${c.req.param("key")}`, body, {
    httpMetadata: { contentType: c.req.header("content-type") ?? "application/octet-stream" },
  });
  return c.json({ size: stored.size }, 200);
});

/** Warm samples timed after the cold run, each over a block of reruns. */
const WARM_SAMPLES = 5;
/**
 * Reruns per warm sample: a rerun takes about a millisecond and Date.now() ticks in whole
 * milliseconds (a single rerun read 0, 1 or 2 ms), so each sample times a block and divides.
 */
const WARM_BLOCK = 50;

/**
 * A bundle's unit tests, cold as the testing stage runs them (instrumented into a fresh sandboxed
 * Worker, then run), and rerun warm in a Worker already loaded. Times are taken around awaited I/O,
 * where workerd's clock advances.
 */
bench.post("/__bench/unit", jsonBody, async (c) => {
  const { files } = await valid(UnitRerun, await c.req.json());
  const bundle = { mainModule: "index.js", className: "App", files, hash: await bundleHash(files) };
  let started = Date.now();
  const report = await runUnitTests(c.env.LOADER, bundle);
  const coldMs = Date.now() - started;
  const worker = c.env.LOADER.load(unitTestWorkerCode(bundle)).getEntrypoint();
  await (await worker.fetch("http://unit-tests/")).arrayBuffer();
  const warmMs: number[] = [];
  for (let i = 0; i < WARM_SAMPLES; i++) {
    started = Date.now();
    for (let j = 0; j < WARM_BLOCK; j++) await (await worker.fetch("http://unit-tests/")).arrayBuffer();
    warmMs.push((Date.now() - started) / WARM_BLOCK);
  }
  return c.json({ ok: report.ok, cases: report.cases.length, coldMs, warmMs }, 200);
});

/** The guard's cost on ordinary code: the same workload sandboxed (`on`) or bare (`off`), timed by the caller. */
bench.get("/__bench/guard/:mode", async (c) => {
  const mode = c.req.param("mode");
  if (mode !== "on" && mode !== "off") throw new NotFoundError(`route ${c.req.method} ${new URL(c.req.url).pathname}`);
  return guardCost(c.env.LOADER, mode === "on");
});

/** An action whose code differs per app, as two apps' actions would. */
function seedAction(n: number) {
  const code = `export default async (req, ctx) => ctx.json({ app: ${n}, tasks: (await ctx.entities.tasks.list({ limit: 5 })).items.length });\n`;
  return { name: "summary", method: "GET", path: "/summary", code };
}

/** Sends synthetic requests of a deployed app to its monitor in the gateway's batches, then compacts. */
bench.post("/__bench/monitoring/seed", jsonBody, async (c) => {
  const seed = await valid(MonitoringSeed, await c.req.json());
  const live = await registryOf(c.env).live(seed.app);
  if (!live) throw new NotFoundError(`app ${seed.app}`);
  const monitor = appMonitorOf(c.env, seed.app);
  let batch: RequestEvent[] = [];
  const started = Date.now();
  for (const event of syntheticTraffic(seed, live.version)) {
    batch.push(event);
    if (batch.length === RECORD_BATCH) {
      await monitor.record(seed.app, batch);
      batch = [];
    }
  }
  if (batch.length) await monitor.record(seed.app, batch);
  const recordMs = Date.now() - started;
  await monitor.compact();
  return c.json({ recorded: seed.requests, recordMs }, 201);
});

bench.get("/__bench/storage", async (c) => {
  const apps = (c.req.query("apps") ?? "").split(",").filter(Boolean);
  const sizes: StorageSizes = {
    registryBytes: await registryOf(c.env).storageBytes(),
    monitorBytes: Object.fromEntries(
      await Promise.all(apps.map(async (app) => [app, await appMonitorOf(c.env, app).storageBytes()] as const)),
    ),
  };
  return c.json(sizes, 200);
});

/**
 * What the traffic buffer shards hold, and how many monitors they handed requests to within the last
 * `withinMs` (those are the monitors live now: workerd evicts an object 10 s after its last call).
 */
/** Drops every request the traffic buffer holds (bench/quick.run.ts: the seeding's, so no monitor wakes mid-reading). */
bench.post("/__bench/traffic/drop", async (c) => {
  const dropped = await Promise.all(trafficBuffers(c.env).map((shard) => shard.dropHeld()));
  return c.json({ dropped: dropped.reduce((a, b) => a + b, 0) }, 200);
});

bench.get("/__bench/traffic", async (c) => {
  const withinMs = Number(c.req.query("withinMs") ?? 10_000);
  if (!Number.isInteger(withinMs) || withinMs < 0)
    throw new ValidationError([{ path: "withinMs", message: "a whole number of milliseconds" }]);
  const shards = await Promise.all(trafficBuffers(c.env).map((shard) => shard.stats(withinMs)));
  const sum = (key: "apps" | "requests" | "handedOff") => shards.reduce((n, s) => n + s[key], 0);
  return c.json(
    { apps: sum("apps"), requests: sum("requests"), handedOff: sum("handedOff"), periodMs: shards[0]!.periodMs },
    200,
  );
});
