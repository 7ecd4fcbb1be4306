// A schedule sweeping 1,000 partitions (pnpm bench): one run of a perKey app's schedule, started through
// `POST /v1/apps/{name}/schedules/{schedule}/run` (the app's host runs it in every partition that holds
// data, eight at a time, each partition's host calling the action as its alarm would, and answers when
// all have run), against a baseline doing the same work: the same action called over HTTP once per
// partition (`POST /apps/{name}/k/{key}/sweep`), eight at a time. Paired rounds, alternating which
// side goes first; every partition's counter proves each side ran the action everywhere.
import { it } from "vitest";
import { benchServer, floor, median, ms, pairedRatio, times } from "./support";

const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 1000);
const ROUNDS = 6;
const CONCURRENCY = 8;
/** Measured 0.93× (interval 0.77–0.98×, docs/benchmarks.md): a sweep twice as slow (≈ 1.9×) fails, noise does not. */
const FLOOR_RATIO = 1.5;

const { results, rows, call, post, until } = benchServer("schedules");

it(`runs one schedule over ${PARTITIONS} partitions`, { timeout: 900_000 }, async () => {
  const name = `bench-sweep-${Date.now().toString(36)}`;
  const spec = {
    name,
    partition: "perKey",
    entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
    counters: [{ name: "sweeps" }],
    performance: { p95Ms: 10_000 },
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: "export default async (req, ctx) => { const { items } = await ctx.entities.tasks.list({ limit: 10 }); return { tasks: items.length, sweeps: await ctx.counters.sweeps.increment() }; };",
      },
    ],
    schedules: [{ name: "nightly", everySeconds: 3600, action: "sweep" }],
  };
  const run = await until((await post("/v1/runs", { request: name, spec })).body.id);
  if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));

  // A record in each partition (so each holds data and its host is known to the app's host).
  const seeded = await post("/__bench/serve", {
    app: name,
    method: "POST",
    path: "/k/p-{i}/tasks",
    body: { title: "task {i}" },
    count: PARTITIONS,
  });
  if (seeded.body.statuses["201"] !== PARTITIONS) throw new Error(`seed: ${JSON.stringify(seeded.body)}`);
  // /__bench/serve numbers keys without padding; the baseline reaches the same ones.
  const keys = Array.from({ length: PARTITIONS }, (_, i) => `p-${i}`);

  const sweep = async () => {
    const t0 = performance.now();
    const res = await post(`/v1/apps/${name}/schedules/nightly/run`, {});
    const took = performance.now() - t0;
    if (res.status !== 200 || res.body.partitions !== PARTITIONS) throw new Error(`run: ${JSON.stringify(res.body)}`);
    return took;
  };
  const overHttp = async () => {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < keys.length) {
          const key = keys[next++]!;
          const res = await post(`/apps/${name}/k/${key}/sweep`, {});
          if (res.status !== 200) throw new Error(`${key}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
    return performance.now() - t0;
  };

  // One of each first, untimed: every partition's host and facet loaded on both paths.
  await sweep();
  await overHttp();
  const rounds: { a: number; b: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      const b = await sweep();
      rounds.push({ a: await overHttp(), b });
    } else {
      const a = await overHttp();
      rounds.push({ a, b: await sweep() });
    }
  }
  // Each side ran the action in every partition each time: 2 + 2 × ROUNDS sweeps per counter.
  for (const key of [keys[0]!, keys[PARTITIONS >> 1]!, keys.at(-1)!]) {
    const last = await post(`/apps/${name}/k/${key}/sweep`, {});
    if (last.body.sweeps !== 3 + 2 * ROUNDS || last.body.tasks !== 1)
      throw new Error(`${key} swept ${last.body.sweeps} times, holds ${last.body.tasks} tasks`);
  }
  const ratio = pairedRatio(rounds);
  const sweeps = rounds.map((r) => r.b);
  const baselines = rounds.map((r) => r.a);
  const realtime = await call(`/v1/apps/${name}/realtime`);
  results.schedules = { partitions: PARTITIONS, rounds, ratio, realtime: realtime.body };
  rows.push({
    benchmark: `one schedule run over ${PARTITIONS.toLocaleString("en-US")} partitions (POST …/schedules/nightly/run, median of ${ROUNDS})`,
    figure: `${ms(median(sweeps))} (${ms(median(sweeps) / PARTITIONS)} per partition)`,
    baseline: `the action over HTTP once per partition, ${CONCURRENCY} at a time: ${ms(median(baselines))}`,
    ratio: times(ratio.median),
    spread: `runs ${ms(Math.min(...sweeps))}–${ms(Math.max(...sweeps))}; baseline ${ms(Math.min(...baselines))}–${ms(Math.max(...baselines))}; 95% CI ${times(ratio.low)}–${times(ratio.high)}`,
    floor: floor(`≤ ${FLOOR_RATIO}× the baseline`, ratio.median <= FLOOR_RATIO),
  });
});
