// AppSpec v3 data and files (pnpm bench, issue 30), each against a baseline doing the same work in the
// same run, on the same server:
// - full-text search (`?q=` with two words) over 100,000 records against an equality filter on the
//   same records, the same page size; `[in]` with 50 values and `[has]` against the same equality filter
//   (paired rounds, p50 of each round);
// - a 10 MiB upload through the app's file route (`PUT /apps/{name}/items/{id}/files/photo`: gateway,
//   app host, sandboxed runtime, counted and hashed on the way to APP_FILES) against a direct `put` of
//   the same bytes to the same bucket from the same Worker (`PUT /__bench/files/{key}`, only with
//   AIDEVOS_BENCH=1): throughput, paired rounds;
// - workerd's resident memory while 20 uploads of 10 MiB run at once through the app route, against
//   the same 20 as direct puts (uploads are streamed: 20 × 10 MiB buffered would be 200 MiB). Each
//   burst runs on a fresh workerd (restarted on the same state: RSS is a high-water mark, and a burst
//   measured after another starts from its mark), loaded by ONE upload of the same kind first and no
//   warm-up burst (a warm-up burst would raise the mark and hide a route that buffered whole bodies);
//   each process (wrangler's dev proxy, the Worker) is sampled apart, and the floor is the Worker's:
//   the gateway's process (the dev proxy, wrangler's own forwarder, is reported with it, not floored).
// BENCH_DATA_ONLY=uploads runs the uploads alone (no records seeded, no search figures).
// The records are created by the app's own code (an action creating 250 per call, driven by
// /__bench/serve inside the Worker), so they are stored, validated, indexed and searchable exactly as
// records posted one by one would be.
import { randomBytes } from "node:crypto";
import { it } from "vitest";
import { benchServer, count, floor, median, mib, ms, pairedRatio, pairedRounds, times } from "./support";

const RECORDS = Number(process.env.BENCH_DATA_RECORDS ?? 100_000);
const ONLY_UPLOADS = process.env.BENCH_DATA_ONLY === "uploads";
const PER_SEED = 250;
const ROUNDS = 20;
const PER_ROUND = 10;
const UPLOAD_ROUNDS = 10;
const UPLOAD_PER_ROUND = 3;
const MiB = 2 ** 20;
const UPLOAD_BYTES = 10 * MiB;
const CONCURRENT_UPLOADS = 20;
/** The floors (issue 30): search within 3× of equality, in/has within 2×, uploads at 0.8× a direct put, < 100 MiB. */
const SEARCH_FLOOR = 3;
const FILTER_FLOOR = 2;
const UPLOAD_FLOOR = 0.8;
const MEMORY_FLOOR = 100 * MiB;

// Twenty uploads of 10 MiB at once through wrangler's dev proxy on a shared machine took over the
// default 30 s request deadline; the figure here is memory, so requests get 120 s.
const { results, rows, base, call, post, until, restart, workerdRoles, workerdRssEach } = benchServer("data", {
  vars: { AIDEVOS_ACTION_TIMEOUT_MS: "120000" },
});

/**
 * Record n: two searchable words that meet in one record of 200 (alpha n%50, beta n%40), a word of
 * its own, a category of 200 (500 records each) and two tags (t of 100, u of 37).
 */
const SEED = `export default async (req, ctx) => {
  const body = await ctx.body();
  const batch = Number(body?.batch);
  const size = Number(body?.size);
  if (!Number.isInteger(batch) || batch < 0 || !Number.isInteger(size) || size < 1 || size > 500)
    ctx.error(400, "bad_batch", "batch (0 or more) and size (1 to 500) are whole numbers");
  for (let j = 0; j < size; j++) {
    const n = batch * size + j;
    await ctx.entities.items.create({
      title: "alpha" + (n % 50) + " beta" + (n % 40) + " gamma" + n,
      category: "c" + (n % 200),
      tags: ["t" + (n % 100), "u" + (n % 37)],
    });
  }
  return ctx.json({ created: size }, 201);
};`;

interface Page {
  items: { id: string; title: string; category: string; tags: string[] }[];
  nextCursor: string | null;
}

it(`searches and filters ${count(RECORDS)} records, uploads 10 MiB files`, { timeout: 1_800_000 }, async () => {
  const name = `bench-data-${Date.now().toString(36)}`;
  const spec = {
    name,
    performance: { p95Ms: 10_000 },
    entities: [
      {
        name: "item",
        plural: "items",
        fields: {
          title: { type: "string", required: true },
          category: { type: "string" },
          tags: { type: "array", items: { type: "string" } },
          photo: { type: "file", maxBytes: UPLOAD_BYTES },
        },
        search: ["title"],
      },
    ],
    actions: [{ name: "seed", method: "POST", path: "/seed", code: SEED }],
  };
  const run = await until((await post("/v1/runs", { request: name, spec })).body.id);
  if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));

  // Files first, on a server that has seeded nothing yet: workerd's RSS is a high-water mark, and
  // 100,000 records seeded first could leave room that hides what the uploads hold.
  const bytes = randomBytes(UPLOAD_BYTES);
  const created = async (title: string) => {
    const res = await post(`/apps/${name}/items`, { title });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const upload = async (path: string) => {
    const res = await fetch(`${base()}${path}`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`PUT ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const viaRoute = (id: string) => upload(`/apps/${name}/items/${id}/files/photo`);
  const direct = (key: string | number) => upload(`/__bench/files/${key}`);
  // Both sides store every byte (checked once, before anything is timed).
  const warm = await created("warm-up");
  const stored = await viaRoute(warm);
  if (stored.photo?.size !== UPLOAD_BYTES) throw new Error(`the route stored ${JSON.stringify(stored.photo)}`);
  const downloaded = await fetch(`${base()}/apps/${name}/items/${warm}/files/photo`);
  if (!Buffer.from(await downloaded.arrayBuffer()).equals(bytes)) throw new Error("the route's file differs");
  if ((await direct("check")).size !== UPLOAD_BYTES) throw new Error("the direct put stored another size");

  // workerd's resident memory, each process apart (wrangler dev runs the Worker, with the local R2
  // simulation, and its dev proxy), sampled while CONCURRENT_UPLOADS uploads run at once, on a fresh
  // workerd that has served ONE upload of the same kind (loaded, not high-water-marked by a burst).
  type Stored = { photo?: { size: number }; size?: number };
  const burst = async (send: (i: number | "single") => Promise<Stored>) => {
    await restart();
    await send("single");
    const roles = await workerdRoles();
    const before = await workerdRssEach();
    const peak = new Map(before);
    let sampling = true;
    let samples = 0;
    const sample = async () => {
      for (const [pid, bytes] of await workerdRssEach()) peak.set(pid, Math.max(peak.get(pid) ?? 0, bytes));
      samples++;
    };
    const sampler = (async () => {
      while (sampling) {
        await sample().catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t0 = performance.now();
    const stored = await Promise.all(Array.from({ length: CONCURRENT_UPLOADS }, (_, i) => send(i)));
    const ms = performance.now() - t0;
    sampling = false;
    await sampler;
    await sample();
    if (stored.some((r) => (r.photo?.size ?? r.size) !== UPLOAD_BYTES))
      throw new Error("an upload stored another size");
    const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const each = [...before.keys()].map((pid) => ({
      process: roles.get(pid) ?? "workerd",
      before: before.get(pid)!,
      grown: (peak.get(pid) ?? 0) - before.get(pid)!,
    }));
    return { before: sum(before), peak: sum(peak), grown: sum(peak) - sum(before), each, samples, ms };
  };
  const ids = await Promise.all(Array.from({ length: CONCURRENT_UPLOADS }, (_, i) => created(`upload ${i}`)));
  const concurrent = await burst((i) => viaRoute(i === "single" ? warm : ids[i]!));
  const concurrentDirect = await burst((i) => direct(`concurrent-${i}`));
  // The floor is the gateway's memory: the Worker's process (the gateway, its Durable Objects, the
  // sandboxed app and, unavoidably, the local R2 simulation, which lives in the same workerd). wrangler's
  // dev proxy is a process of its own that forwards every request and exists only under `wrangler dev`:
  // it is shown apart, and in the total, but is no part of the gateway.
  const workerGrowth = (b: typeof concurrent) =>
    b.each.filter((p) => p.process === "Worker").reduce((sum, p) => sum + p.grown, 0);
  const grown = workerGrowth(concurrent);
  const perProcess = (b: typeof concurrent) => b.each.map((p) => `${p.process} +${mib(p.grown)}`).join(", ");

  const uploads = await pairedRounds(
    () => viaRoute(warm),
    () => direct("paired"),
    UPLOAD_ROUNDS,
    UPLOAD_PER_ROUND,
    1,
  );
  // Time direct / time through the route = the route's throughput as a share of the direct put's.
  const upload10 = pairedRatio(uploads);
  const routeMs = median(uploads.map((r) => r.a));
  const directMs = median(uploads.map((r) => r.b));
  const mbps = (t: number) => `${(UPLOAD_BYTES / MiB / (t / 1000)).toFixed(0)} MiB/s`;

  const uploadRows = [
    {
      benchmark: `10 MiB upload through PUT …/items/{id}/files/photo (p50, ${UPLOAD_ROUNDS} paired rounds of ${UPLOAD_PER_ROUND})`,
      figure: `${ms(routeMs)} (${mbps(routeMs)})`,
      baseline: `direct put to APP_FILES from the same Worker ${ms(directMs)} (${mbps(directMs)})`,
      ratio: `${times(upload10.median)} the direct throughput`,
      spread: `95% CI ${times(upload10.low)}–${times(upload10.high)}`,
      floor: floor(`≥ ${UPLOAD_FLOOR}×`, upload10.median >= UPLOAD_FLOOR),
    },
    {
      benchmark: `${CONCURRENT_UPLOADS} concurrent 10 MiB uploads through the app route: RSS growth of the Worker's workerd (gateway, objects, app, R2 simulation; fresh, after one upload)`,
      figure: `+${mib(grown)}`,
      baseline: `the same ${CONCURRENT_UPLOADS} as direct puts to APP_FILES (fresh workerd, after one put): Worker +${mib(workerGrowth(concurrentDirect))}`,
      spread: `with wrangler's dev proxy: route +${mib(concurrent.grown)} (${perProcess(concurrent)}, all in ${ms(concurrent.ms)}); direct +${mib(concurrentDirect.grown)} (${perProcess(concurrentDirect)}, all in ${ms(concurrentDirect.ms)})`,
      floor: floor(`< ${mib(MEMORY_FLOOR)}`, grown < MEMORY_FLOOR),
    },
  ];
  const uploadResults = {
    uploads: { bytes: UPLOAD_BYTES, rounds: uploads, ratio: upload10 },
    concurrent: { uploads: CONCURRENT_UPLOADS, route: concurrent, direct: concurrentDirect },
  };
  if (ONLY_UPLOADS) {
    results.data = uploadResults;
    rows.push(...uploadRows);
    return;
  }

  // The records.
  const t1 = performance.now();
  const seeded = await post("/__bench/serve", {
    app: name,
    method: "POST",
    path: "/seed",
    body: { batch: "{i}", size: PER_SEED },
    count: RECORDS / PER_SEED,
    concurrency: 2,
  });
  if (seeded.body.statuses["201"] !== RECORDS / PER_SEED) throw new Error(`seed: ${JSON.stringify(seeded.body)}`);
  const seedMs = performance.now() - t1;

  const items = `/apps/${name}/items`;
  const get = async (query: string) => {
    const res = await call(`${items}?${query}`);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Page;
  };
  const equality = "category=c7&limit=20";
  const search = "q=alpha7%20beta17&limit=20";
  const inValues = Array.from({ length: 50 }, (_, i) => `c${i * 4}`);
  const within = `category[in]=${inValues.join(",")}&limit=20`;
  const has = "tags[has]=t7&limit=20";
  // Every record is there (the last one's own word finds it), and each query answers a full page of
  // what it asked for, before anything is timed.
  const last = await get(`q=gamma${RECORDS - 1}`);
  if (last.items.length !== 1) throw new Error(`gamma${RECORDS - 1} found ${last.items.length} records`);
  const checks: [string, (r: Page["items"][number]) => boolean][] = [
    [equality, (r) => r.category === "c7"],
    [search, (r) => r.title.startsWith("alpha7 beta17 ")],
    [within, (r) => inValues.includes(r.category)],
    [has, (r) => r.tags.includes("t7")],
  ];
  for (const [query, ok] of checks) {
    const page = await get(query);
    if (page.items.length !== 20 || !page.nextCursor || !page.items.every(ok))
      throw new Error(`${query}: ${JSON.stringify(page).slice(0, 300)}`);
  }

  const measured: Record<string, unknown> = {};
  const pair = async (label: string, query: string) => {
    const rounds = await pairedRounds(
      () => get(equality),
      () => get(query),
      ROUNDS,
      PER_ROUND,
      5,
    );
    const ratio = pairedRatio(rounds);
    measured[label] = { query, rounds, ratio };
    return { ratio, a: median(rounds.map((r) => r.a)), b: median(rounds.map((r) => r.b)) };
  };
  const searched = await pair("search", search);
  const inFilter = await pair("in", within);
  const hasFilter = await pair("has", has);
  results.data = {
    records: RECORDS,
    seedMs,
    measured,
    ...uploadResults,
  };

  const paired = `${ROUNDS} paired rounds of ${PER_ROUND}`;
  const ci = (r: { low: number; high: number }) => `95% CI ${times(r.low)}–${times(r.high)}`;
  rows.push(
    {
      benchmark: `GET …/items?${search} (500 match), ${count(RECORDS)} records (p50, ${paired})`,
      figure: ms(searched.b),
      baseline: `?${equality} (500 match) ${ms(searched.a)}`,
      ratio: times(searched.ratio.median),
      spread: ci(searched.ratio),
      floor: floor(`≤ ${SEARCH_FLOOR}×`, searched.ratio.median <= SEARCH_FLOOR),
    },
    {
      benchmark: `GET …/items?category[in]=<50 values>&limit=20 (25,000 match), ${count(RECORDS)} records`,
      figure: ms(inFilter.b),
      baseline: `?${equality} ${ms(inFilter.a)}`,
      ratio: times(inFilter.ratio.median),
      spread: ci(inFilter.ratio),
      floor: floor(`≤ ${FILTER_FLOOR}×`, inFilter.ratio.median <= FILTER_FLOOR),
    },
    {
      benchmark: `GET …/items?${has} (1,000 match), ${count(RECORDS)} records`,
      figure: ms(hasFilter.b),
      baseline: `?${equality} ${ms(hasFilter.a)}`,
      ratio: times(hasFilter.ratio.median),
      spread: ci(hasFilter.ratio),
      floor: floor(`≤ ${FILTER_FLOOR}×`, hasFilter.ratio.median <= FILTER_FLOOR),
    },
    ...uploadRows,
    {
      benchmark: `  seeding (the app's create, ${PER_SEED} per action call)`,
      figure: `${count(RECORDS)} records in ${(seedMs / 1000).toFixed(1)} s`,
    },
  );
});
