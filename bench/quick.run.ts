// `pnpm bench:quick`, part of `pnpm test`: a short run of the figures most likely to regress, each
// against its same-run baseline, each floor about twice what this machine measures (docs/benchmarks.md
// lists the readings): a regression of more than about 2× fails it, noise does not. The end-to-end run's floor
// is on the CPU it costs workerd (≤ 2 s against 0.86–1.19 s), not on its wall time, which follows the
// machine's load (0.76 s quiet, 3.8–5.8 s under load averages of 8–12) and is reported without a floor.
// Checked: with every measured side made to do its work twice, the CPU, proxy, warm and list floors
// failed, and the schedule's read 1.45×, over its floor of 1.25× (it was 1.5×, which that run met).
// Ratios are medians of paired rounds; memory is per app over 40 live apps holding 100 tasks each, read
// against an idle reading of a fresh server (restarted after seeding, the seeding's held traffic dropped
// so that no monitor wakes mid-reading); the end-to-end figures are medians of three runs after an
// untimed one. Seeds are checked before anything is timed.
// Not a test of behaviour (the test projects prove that); a regression alarm.
import { it } from "vitest";
import { benchServer, floor, median, mib, ms, pairedRatio, pairedRounds, timed, times } from "./support";

const APPS = 40;
/** Tasks each of the APPS holds when its memory is read: used apps, not empty ones. */
const RECORDS = 100;
const MiB = 2 ** 20;
const { rows, results, base, call, post, deployApp, workerdRss, workerdCpuMs, restart, fillTasks, countTasks } =
  benchServer("quick");

const get = (path: string) => () =>
  fetch(`${base()}${path}`).then(async (r) => {
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
  });

/**
 * Seeds through /__bench/serve and checks every request was answered `status`: a failed seed would
 * leave the two sides of a ratio alike (near 1) and pass its floor while measuring nothing.
 */
async function seed(body: Record<string, unknown> & { count: number }, status = 201) {
  const res = await post("/__bench/serve", body);
  const answered = res.body.statuses?.[String(status)] ?? 0;
  if (answered !== body.count) throw new Error(`seed answered ${JSON.stringify(res.body).slice(0, 400)}`);
}

/** Every record of a list route, page by page: the seeded sizes are checked, not assumed. */
async function countAll(path: string): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  do {
    const res = await fetch(`${base()}${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
    total += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

/** Rounds of interleaved pairs, the order alternating; the median ratio b/a of the rounds' medians. */
async function paired(a: () => Promise<unknown>, b: () => Promise<unknown>, rounds = 9, perRound = 10) {
  const out = await pairedRounds(a, b, rounds, perRound, 10);
  return { ...pairedRatio(out), a: median(out.map((o) => o.a)), b: median(out.map((o) => o.b)) };
}

it("the pipeline, the proxy and live apps, against their baselines", { timeout: 300_000 }, async () => {
  const health: number[] = [];
  for (let i = 0; i < 5; i++) health.push(await timed(() => call("/healthz")));
  // One untimed run first: the first compiles and loads the shared runtime (2 s of CPU more than the rest).
  const warmUp = `quick-${Date.now().toString(36)}w`;
  await deployApp(warmUp);
  // Median of three runs: one run alone can take 4× the median on a loaded machine.
  const runs: number[] = [];
  const cpu: number[] = [];
  let name = "";
  for (let i = 0; i < 3; i++) {
    name = `quick-${Date.now().toString(36)}${i}`;
    const before = await workerdCpuMs();
    runs.push(
      await timed(async () => {
        await deployApp(name);
        if ((await post(`/apps/${name}/tasks`, { title: "first" })).status !== 201) throw new Error("not served");
      }),
    );
    cpu.push((await workerdCpuMs()) - before);
  }
  const e2e = median(runs);
  const e2eCpu = median(cpu);
  // The wall time is what a user waits, but on this shared machine it follows the load (0.76 s quiet,
  // 3.8–5.8 s under load averages of 8–12), so a floor about twice a reading would fail on a busy
  // machine and one that holds there is no alarm: it is reported, and the floor is on the CPU the
  // run costs workerd, which the load barely moves (0.84–1.38 s per warm run under load averages of 8–12).
  rows.push({
    benchmark: "offline e2e, warm (median of 3 runs)",
    figure: ms(e2e),
    baseline: `GET /healthz ${ms(median(health))}`,
    spread: `runs ${runs.map((r) => ms(r)).join(", ")}`,
  });
  rows.push({
    benchmark: "  workerd CPU per run (median of 3)",
    figure: ms(e2eCpu),
    spread: `runs ${cpu.map((c) => ms(c)).join(", ")}`,
    floor: floor("≤ 2 s", e2eCpu <= 2000),
  });

  const proxy = await paired(get(`/__bench/bare/${name}/tasks?limit=5`), get(`/apps/${name}/tasks?limit=5`));
  rows.push({
    benchmark: "proxy p50, one at a time (9 paired rounds of 10)",
    figure: ms(proxy.b),
    baseline: `bare Worker → same host ${ms(proxy.a)}`,
    ratio: times(proxy.median),
    spread: `95% CI ${times(proxy.low)}–${times(proxy.high)}`,
    floor: floor("≤ 2×", proxy.median <= 2),
  });

  // Live apps without actions, RECORDS tasks each. Seeding compiles and loads every app, and workerd
  // keeps the memory it grew to, so the server is restarted on the same state: the idle reading is
  // of a fresh workerd that has served one app (gateway, Registry and shared runtime loaded) and
  // waited out its eviction. Then the first request loads each app, all within a few seconds
  // (workerd evicts an object 10 s after its last request), and memory is read while all are live.
  const seeded = await post("/__bench/registry/seed", { prefix: "quick", from: 0, count: APPS, kind: "declarative" });
  const names = seeded.body.names as string[];
  await fillTasks(names, RECORDS);
  // The seeding's requests wait in the traffic buffer for each app's hand-off, due at its own second of
  // the period: left there, some fall due while memory is read and wake their monitors in the middle of
  // it (0.34 and 1.09 MiB per app in two runs; handing them all off before the restart woke every
  // monitor's alarm after it: 1.61). They are not production traffic: dropped (after the gateway's
  // batches have flushed), so the reading is of the apps alone, with no monitor live, every run.
  await new Promise((r) => setTimeout(r, 1000));
  await post("/__bench/traffic/drop", {});
  const held = (await call("/__bench/traffic")).body.requests;
  if (held !== 0) throw new Error(`${held} requests still held in the traffic buffer before the restart`);
  await restart();
  await get(`/apps/${name}/tasks?limit=5`)();
  await new Promise((r) => setTimeout(r, 11_000));
  const idle = await workerdRss();
  for (const app of names) await get(`/apps/${app}/tasks?limit=5`)();
  // The median of five samples half a second apart: one sample can land on a collection.
  const samples: number[] = [];
  for (let i = 0; i < 5; i++, await new Promise((r) => setTimeout(r, 500))) samples.push(await workerdRss());
  const perApp = (median(samples) - idle) / APPS;
  // Read after memory, so as not to load an app before the idle reading: the seeds held across the restart.
  for (const app of [names[0]!, names[APPS - 1]!]) {
    const held = await countTasks(app);
    if (held !== RECORDS) throw new Error(`${app} holds ${held} tasks after the restart, want ${RECORDS}`);
  }
  let i = 0;
  const warm = await paired(get(`/apps/${name}/tasks?limit=5`), () =>
    get(`/apps/${names[i++ % APPS]}/tasks?limit=5`)(),
  );
  results.quick = { e2e, e2eCpu, runs, cpu, proxy, perApp, idle, samples, warm };
  rows.push(
    {
      benchmark: `${APPS} live apps without actions, ${RECORDS} tasks each: workerd memory per app`,
      figure: mib(perApp),
      baseline: `fresh server, none served ${mib(idle)}`,
      spread: `RSS samples ${mib(Math.min(...samples) - idle)}–${mib(Math.max(...samples) - idle)} over idle`,
      // Readings 0.67 and 0.71 MiB per app (the seeding's held traffic dropped): about twice them.
      floor: floor("≤ 1.5 MiB", perApp <= 1.5 * MiB),
    },
    {
      benchmark: `  warm request to any of ${APPS} (9 paired rounds of 10)`,
      figure: ms(warm.b),
      baseline: `one app ${ms(warm.a)}`,
      ratio: times(warm.median),
      spread: `95% CI ${times(warm.low)}–${times(warm.high)}`,
      floor: floor("≤ 2×", warm.median <= 2),
    },
  );
});

it("a schedule over 50 partitions and a list over 10,000 records, against their baselines", {
  timeout: 300_000,
}, async () => {
  // perKey, a record in each of 50 partitions; the schedule's run against its action over HTTP per partition.
  const name = `quick-sweep-${Date.now().toString(36)}`;
  await deployApp(name, {
    partition: "perKey",
    counters: [{ name: "sweeps" }],
    performance: { p95Ms: 10_000 },
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: "export default async (req, ctx) => ({ sweeps: await ctx.counters.sweeps.increment() });",
      },
    ],
    schedules: [{ name: "nightly", everySeconds: 3600, action: "sweep" }],
  });
  const keys = Array.from({ length: 50 }, (_, i) => `p-${i}`);
  await seed({ app: name, method: "POST", path: "/k/p-{i}/tasks", body: { title: "t" }, count: 50 });
  const overHttp = () =>
    Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map(async (lane) => {
        for (let i = lane; i < keys.length; i += 8) await post(`/apps/${name}/k/${keys[i]}/sweep`, {});
      }),
    );
  const sweep = async () => {
    const res = await post(`/v1/apps/${name}/schedules/nightly/run`, {});
    if (res.body.partitions !== keys.length) throw new Error(`swept ${JSON.stringify(res.body)}`);
  };
  const schedule = await paired(overHttp, sweep, 5, 1);

  // 10,000 records made by the app's own create, 250 per action call; a sorted, ranged page against 1,000.
  const board = `quick-board-${Date.now().toString(36)}`;
  await deployApp(board, {
    partition: "perKey",
    entities: [
      {
        name: "score",
        plural: "scores",
        fields: { points: { type: "integer", required: true, min: 0 } },
        sortable: ["points"],
      },
    ],
    actions: [
      {
        name: "seed",
        method: "POST",
        path: "/seed",
        code: "export default async (req, ctx) => { const b = Number((await ctx.body())?.batch); if (!Number.isInteger(b) || b < 0) ctx.error(400, 'bad_batch', 'batch is a whole number'); for (let j = 0; j < 250; j++) await ctx.entities.scores.create({ points: ((b * 250 + j) * 7919) % 1000 }); return ctx.json({}, 201); };",
      },
    ],
  });
  for (const [key, n] of [
    ["small", 1_000],
    ["big", 10_000],
  ] as const) {
    await seed({ app: board, method: "POST", path: `/k/${key}/seed`, body: { batch: "{i}" }, count: n / 250 });
    const stored = await countAll(`/apps/${board}/k/${key}/scores`);
    if (stored !== n) throw new Error(`${key}: ${stored} records seeded, want ${n}`);
  }
  const page = (key: string) => get(`/apps/${board}/k/${key}/scores?sort=-points&points[gte]=200&points[lt]=800`);
  const list = await paired(page("small"), page("big"));
  results.quickRealtime = { schedule, list };
  rows.push(
    {
      benchmark: "schedule run over 50 partitions (5 paired rounds)",
      figure: ms(schedule.b),
      baseline: `its action over HTTP per partition ${ms(schedule.a)}`,
      ratio: times(schedule.median),
      spread: `95% CI ${times(schedule.low)}–${times(schedule.high)}`,
      floor: floor("≤ 1.25×", schedule.median <= 1.25),
    },
    {
      benchmark: "list sort + range over HTTP, 10,000 records (9 paired rounds of 10)",
      figure: ms(list.b),
      baseline: `1,000 records ${ms(list.a)}`,
      ratio: times(list.median),
      spread: `95% CI ${times(list.low)}–${times(list.high)}`,
      floor: floor("≤ 2×", list.median <= 2),
    },
  );
});
