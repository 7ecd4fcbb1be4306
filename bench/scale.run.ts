// Scale benchmarks (pnpm bench): the Registry with 10,000 apps and one app's monitoring with 1,000,000
// recorded requests, queried through the public API, each against the same queries at small scale first.
import type { StorageSizes } from "@aidevos/core";
import { it } from "vitest";
import { benchServer, count, floor, median, medianTime, ms } from "./support";

const APPS = 10_000;
const SEED_CALL = 500;
const REQUESTS = 1_000_000;
const SEED_REQUESTS = 100_000;
const DAY = 24 * 3600_000;

const { results, rows, call, post, deployApp } = benchServer("scale");

const storage = async (apps: string[] = []) =>
  (await call(`/__bench/storage?apps=${apps.join(",")}`)).body as StorageSizes;

/** Every app through cursor pages of `limit`: the time of each page and the names seen. */
async function everyApp(limit: number) {
  const pages: number[] = [];
  const names: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    if (cursor) cursors.push(cursor);
    const t0 = performance.now();
    const page = await call(`/v1/apps?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    pages.push(performance.now() - t0);
    names.push(...page.body.items.map((a: { name: string }) => a.name));
    cursor = page.body.nextCursor;
  } while (cursor);
  return { pages, names, cursors };
}

it("Registry with 10,000 apps: list, page, read and serve, against the same with a handful", async () => {
  const probe = `scale-probe-${Date.now().toString(36)}`;
  for (const n of [probe, `${probe}-b`, `${probe}-c`]) await deployApp(n);
  const q = {
    firstPage: () => call("/v1/apps?limit=60"),
    app: () => call(`/v1/apps/${probe}`),
    serve: () => call(`/apps/${probe}/tasks?limit=5`),
  };
  const small = {
    firstPage: await medianTime(30, q.firstPage),
    app: await medianTime(30, q.app),
    serve: await medianTime(30, q.serve),
    bytes: (await storage()).registryBytes,
  };

  const seedRates: number[] = [];
  for (let from = 0; from < APPS; from += SEED_CALL) {
    const t0 = performance.now();
    const seeded = await post("/__bench/registry/seed", { prefix: "scale", from, count: SEED_CALL });
    if (seeded.status !== 201) throw new Error(JSON.stringify(seeded.body));
    seedRates.push(SEED_CALL / ((performance.now() - t0) / 1000));
  }
  const all = await everyApp(100);
  if (all.names.length !== APPS + 3) throw new Error(`listed ${all.names.length} apps, not ${APPS + 3}`);
  const middle = all.cursors[Math.floor(APPS / 100 / 2) - 1]!;
  const large = {
    firstPage: await medianTime(30, q.firstPage),
    deepPage: await medianTime(30, () => call(`/v1/apps?limit=60&cursor=${middle}`)),
    app: await medianTime(30, q.app),
    seededApp: await medianTime(30, () => call("/v1/apps/scale-005000")),
    serve: await medianTime(30, q.serve),
    bytes: (await storage()).registryBytes,
  };
  const perApp = (large.bytes - small.bytes) / APPS;
  results.registry = {
    apps: APPS,
    small,
    large,
    seedAppsPerSecond: seedRates,
    listAll: all.pages,
    bytesPerApp: perApp,
  };

  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  rows.push(
    {
      benchmark: `Registry: seed ${count(APPS)} apps (deploy write path, compiled bundles)`,
      figure: `${count(median(seedRates))} apps/s`,
      baseline: `first ${SEED_CALL} ${count(seedRates[0]!)} apps/s`,
      ratio: `last ${SEED_CALL} at ${(seedRates.at(-1)! / seedRates[0]!).toFixed(2)}× the first`,
    },
    {
      benchmark: "GET /v1/apps?limit=60, first page",
      figure: ms(large.firstPage),
      baseline: `3 apps ${ms(small.firstPage)}`,
      ratio: ratio(large.firstPage, small.firstPage),
    },
    {
      benchmark: "GET /v1/apps?limit=60, page at app 5,000 (cursor)",
      figure: ms(large.deepPage),
      ratio: ratio(large.deepPage, small.firstPage),
    },
    {
      benchmark: `every app through cursors (limit 100, ${all.pages.length} pages)`,
      figure: ms(all.pages.reduce((a, b) => a + b, 0)),
      baseline: `median page ${ms(median(all.pages))}`,
    },
    {
      benchmark: "GET /v1/apps/:name",
      figure: ms(large.app),
      baseline: `3 apps ${ms(small.app)}`,
      ratio: ratio(large.app, small.app),
    },
    {
      benchmark: "GET /apps/:name/tasks (served, Registry not on the path)",
      figure: ms(large.serve),
      baseline: `3 apps ${ms(small.serve)}`,
      ratio: ratio(large.serve, small.serve),
    },
    {
      benchmark: "Registry storage",
      figure: `${(large.bytes / 2 ** 20).toFixed(1)} MiB`,
      baseline: `3 apps ${(small.bytes / 2 ** 10).toFixed(0)} KiB`,
      ratio: `${count(perApp)} bytes per app`,
    },
  );
});

it("monitoring with 1,000,000 recorded requests: metrics, errors and usage queries, storage", async () => {
  const stamp = Date.now().toString(36);
  const [small, large] = [`mon-small-${stamp}`, `mon-large-${stamp}`];
  for (const app of [small, large]) await deployApp(app);
  const to = Date.now();
  const from = to - 7 * DAY;
  await post("/__bench/monitoring/seed", { app: small, requests: 1000, fromMs: from, toMs: to });

  const ingest: number[] = [];
  const slice = (to - from) / (REQUESTS / SEED_REQUESTS);
  for (let i = 0; i < REQUESTS / SEED_REQUESTS; i++) {
    const seeded = await post("/__bench/monitoring/seed", {
      app: large,
      requests: SEED_REQUESTS,
      fromMs: Math.floor(from + i * slice),
      toMs: Math.floor(from + (i + 1) * slice),
      seed: i + 1,
    });
    if (seeded.status !== 201) throw new Error(JSON.stringify(seeded.body));
    ingest.push(SEED_REQUESTS / (seeded.body.recordMs / 1000));
  }
  // The last two hours are still minutes; older minutes were folded into hours. Together: every request.
  const counted = await Promise.all(
    ["hour", "minute"].map(
      async (g) => (await call(`/v1/apps/${large}/metrics?granularity=${g}&limit=1000`)).body.totals,
    ),
  );
  const totals = { requests: counted[0].requests + counted[1].requests, hours: counted[0], minutes: counted[1] };
  const queries = {
    "metrics, last 120 minutes": (app: string) => call(`/v1/apps/${app}/metrics?granularity=minute&limit=120`),
    "metrics, 7 days of hours": (app: string) => call(`/v1/apps/${app}/metrics?granularity=hour&limit=168`),
    "error groups": (app: string) => call(`/v1/apps/${app}/errors`),
    "usage, 7 days": (app: string) => call(`/v1/apps/${app}/usage?days=7`),
  };
  const latency: Record<string, { small: number; large: number }> = {};
  for (const [what, query] of Object.entries(queries)) {
    latency[what] = {
      small: await medianTime(20, () => query(small)),
      large: await medianTime(20, () => query(large)),
    };
  }
  const sizes = await storage([small, large]);
  const bytes = { small: sizes.monitorBytes[small]!, large: sizes.monitorBytes[large]! };
  results.monitoring = { requests: REQUESTS, recordedPerSecond: ingest, hourTotals: totals, latency, bytes };

  rows.push({
    benchmark: `monitoring: record ${count(REQUESTS)} requests (batches of 200, as the gateway sends)`,
    figure: `${count(median(ingest))} requests/s`,
    baseline: `first 100k ${count(ingest[0]!)}/s`,
    ratio: `last 100k at ${(ingest.at(-1)! / ingest[0]!).toFixed(2)}× the first`,
  });
  rows.push({
    benchmark: "  requests counted in the metrics (hours + last two hours of minutes)",
    figure: count(totals.requests),
    floor: floor(`= ${count(REQUESTS)}`, totals.requests === REQUESTS),
  });
  for (const [what, l] of Object.entries(latency)) {
    rows.push({
      benchmark: `GET ${what}`,
      figure: ms(l.large),
      baseline: `1,000 requests ${ms(l.small)}`,
      ratio: `${(l.large / l.small).toFixed(2)}×`,
    });
  }
  rows.push({
    benchmark: "monitor storage",
    figure: `${(bytes.large / 2 ** 20).toFixed(1)} MiB`,
    baseline: `1,000 requests ${(bytes.small / 2 ** 10).toFixed(0)} KiB`,
    ratio: `${(bytes.large / REQUESTS).toFixed(1)} bytes per request`,
  });
});
