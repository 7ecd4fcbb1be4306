// Lists over HTTP (pnpm bench): a list with `sort` and a range filter through the real proxy
// (`GET /apps/{name}/k/{key}/scores?sort=…&points[gte]=…`) in a partition of 100,000 records, against
// the same list in a partition of 1,000 of the same app; and an action listing the same page through
// ctx.entities against the entity route, both at 100,000. The records are created by the app's own
// code (an action creating 250 per call, driven by /__bench/serve inside the Worker), so they are
// stored, validated and indexed exactly as records posted one by one would be.
import { it } from "vitest";
import { benchServer, count, floor, median, ms, pairedRatio, pairedRounds, SCORES, times } from "./support";

const LARGE = Number(process.env.BENCH_LIST_RECORDS ?? 100_000);
const SMALL = 1_000;
const PER_SEED = 250;
const ROUNDS = 20;
const PER_ROUND = 10;
/** Loose: the measured ratios are near 1 (docs/benchmarks.md); a list that lost its index is 10× and more. */
const FLOOR_RATIO = 2;

const { results, rows, call, post, until } = benchServer("lists-http");

/** Record n as lists.run.ts seeds it: points spread over 0–999, times over a week of minutes. */
const SEED = `export default async (req, ctx) => {
  const body = await ctx.body();
  const batch = Number(body?.batch);
  const size = Number(body?.size);
  if (!Number.isInteger(batch) || batch < 0 || !Number.isInteger(size) || size < 1 || size > 500)
    ctx.error(400, "bad_batch", "batch (0 or more) and size (1 to 500) are whole numbers");
  for (let j = 0; j < size; j++) {
    const n = Number(batch) * size + j;
    const at = new Date(Date.UTC(2026, 0, 1) + (n % 10000) * 60000).toISOString();
    await ctx.entities.scores.create({ player: "p" + n, points: (n * 7919) % 1000, at });
  }
  return ctx.json({ created: size }, 201);
};`;
const TOP =
  'export default async (req, ctx) => ctx.json(await ctx.entities.scores.list({ where: { points: { gte: 200, lt: 800 } }, sort: "-points", limit: 50 }));';

it(`lists ${count(LARGE)} records over HTTP`, { timeout: 1_800_000 }, async () => {
  const name = `bench-board-${Date.now().toString(36)}`;
  const spec = {
    name,
    partition: "perKey",
    performance: { p95Ms: 10_000 },
    entities: [SCORES],
    actions: [
      { name: "seed", method: "POST", path: "/seed", code: SEED },
      { name: "top", method: "GET", path: "/top", code: TOP },
    ],
  };
  const run = await until((await post("/v1/runs", { request: name, spec })).body.id);
  if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));
  const seedMs: Record<string, number> = {};
  for (const [key, n] of [
    ["small", SMALL],
    ["big", LARGE],
  ] as const) {
    const t0 = performance.now();
    const seeded = await post("/__bench/serve", {
      app: name,
      method: "POST",
      path: `/k/${key}/seed`,
      body: { batch: "{i}", size: PER_SEED },
      count: n / PER_SEED,
      concurrency: 2,
    });
    if (seeded.body.statuses["201"] !== n / PER_SEED) throw new Error(`seed ${key}: ${JSON.stringify(seeded.body)}`);
    seedMs[key] = performance.now() - t0;
  }

  const base = (key: string) => `/apps/${name}/k/${key}/scores`;
  // Every record is there: one in a thousand has 999 points.
  for (const [key, n] of [
    ["small", SMALL],
    ["big", LARGE],
  ] as const) {
    const top = (await call(`${base(key)}?points[gte]=999&limit=100`)).body;
    if (top.items.length !== n / 1000 || top.nextCursor !== null)
      throw new Error(`${key} holds ${top.items.length} records with 999 points, not ${n / 1000}`);
  }
  const byPoints = "sort=-points&points[gte]=200&points[lt]=800&limit=50";
  const byTime = "sort=at&at[gt]=2026-01-01T06:00:00Z&limit=50";
  const get = async (path: string) => {
    const res = await call(path);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { items: { id: string; points: number }[]; nextCursor: string | null };
  };
  // The same page on both routes, and a full page in range, before anything is timed.
  const first = await get(`${base("big")}?${byPoints}`);
  const viaAction = await get(`/apps/${name}/k/big/top`);
  if (first.items.length !== 50 || first.items.some((r) => r.points < 200 || r.points >= 800))
    throw new Error(`first page: ${JSON.stringify(first.items.slice(0, 3))}`);
  if (JSON.stringify(viaAction.items.map((r) => r.id)) !== JSON.stringify(first.items.map((r) => r.id)))
    throw new Error("the action and the entity route list different records");
  // Page 21 through the cursor (the cursor of page 20, walked once).
  let cursor = first.nextCursor;
  for (let p = 2; p <= 20; p++) cursor = (await get(`${base("big")}?${byPoints}&cursor=${cursor}`)).nextCursor;
  if (!cursor) throw new Error("fewer than 21 pages");

  const measured: Record<string, unknown> = {};
  const pair = async (label: string, a: string, b: string) => {
    const rounds = await pairedRounds(
      () => get(a),
      () => get(b),
      ROUNDS,
      PER_ROUND,
      5,
    );
    const ratio = pairedRatio(rounds);
    measured[label] = { a, b, rounds, ratio };
    return { ratio, a: median(rounds.map((r) => r.a)), b: median(rounds.map((r) => r.b)) };
  };
  const ranged = await pair("sort and range", `${base("small")}?${byPoints}`, `${base("big")}?${byPoints}`);
  const deep = await pair("page 21", `${base("small")}?${byPoints}`, `${base("big")}?${byPoints}&cursor=${cursor}`);
  const timed = await pair("datetime range", `${base("small")}?${byTime}`, `${base("big")}?${byTime}`);
  const action = await pair("action against entity route", `${base("big")}?${byPoints}`, `/apps/${name}/k/big/top`);
  results.listsHttp = { records: { small: SMALL, large: LARGE }, seedMs, measured };

  const paired = `${ROUNDS} paired rounds of ${PER_ROUND}`;
  const ci = (r: { low: number; high: number }) => `95% CI ${times(r.low)}–${times(r.high)}`;
  rows.push(
    {
      benchmark: `GET …/scores?${byPoints}, ${count(LARGE)} records (p50, ${paired})`,
      figure: ms(ranged.b),
      baseline: `${count(SMALL)} records ${ms(ranged.a)}`,
      ratio: times(ranged.ratio.median),
      spread: ci(ranged.ratio),
      floor: floor(`≤ ${FLOOR_RATIO}×`, ranged.ratio.median <= FLOOR_RATIO),
    },
    {
      benchmark: "  the same, page 21 through the cursor",
      figure: ms(deep.b),
      baseline: `${count(SMALL)} records, first page ${ms(deep.a)}`,
      ratio: times(deep.ratio.median),
      spread: ci(deep.ratio),
      floor: floor(`≤ ${FLOOR_RATIO}×`, deep.ratio.median <= FLOOR_RATIO),
    },
    {
      benchmark: `GET …/scores?${byTime}, ${count(LARGE)} records`,
      figure: ms(timed.b),
      baseline: `${count(SMALL)} records ${ms(timed.a)}`,
      ratio: times(timed.ratio.median),
      spread: ci(timed.ratio),
      floor: floor(`≤ ${FLOOR_RATIO}×`, timed.ratio.median <= FLOOR_RATIO),
    },
    {
      benchmark: `action GET /top (ctx.entities.scores.list, same page), ${count(LARGE)} records`,
      figure: ms(action.b),
      baseline: `entity route ${ms(action.a)}`,
      ratio: times(action.ratio.median),
      spread: ci(action.ratio),
      floor: floor(`≤ ${FLOOR_RATIO}×`, action.ratio.median <= FLOOR_RATIO),
    },
    {
      benchmark: `  seeding (the app's create, ${PER_SEED} per action call)`,
      figure: `${count(LARGE)} records in ${(seedMs.big! / 1000).toFixed(1)} s`,
      baseline: `${count(SMALL)} in ${(seedMs.small! / 1000).toFixed(1)} s`,
    },
  );
});
