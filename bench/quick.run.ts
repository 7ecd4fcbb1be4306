// `pnpm bench:quick`, part of `pnpm test`: a short run of the figures most likely to regress, each
// against its same-run baseline, with floors about twice as loose as what this machine measures, so a
// 2× regression fails it and noise does not. Ratios are medians of paired rounds; memory is per app
// over 40 live apps, the end-to-end time a median of three runs. Not a test of behaviour (the test projects prove that); a regression alarm.
import { it } from "vitest";
import { benchServer, floor, median, mib, ms, pairedRatio, pairedRounds, timed, times } from "./support";

const APPS = 40;
const MiB = 2 ** 20;
const { rows, results, base, call, post, deployApp, workerdRss } = benchServer("quick");

const get = (path: string) => () =>
  fetch(`${base()}${path}`).then(async (r) => {
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
  });

/** Rounds of interleaved pairs, the order alternating; the median ratio b/a of the rounds' medians. */
async function paired(a: () => Promise<unknown>, b: () => Promise<unknown>, rounds = 9, perRound = 10) {
  const out = await pairedRounds(a, b, rounds, perRound, 10);
  return { ...pairedRatio(out), a: median(out.map((o) => o.a)), b: median(out.map((o) => o.b)) };
}

it("the pipeline, the proxy and live apps, against their baselines", async () => {
  const health: number[] = [];
  for (let i = 0; i < 5; i++) health.push(await timed(() => call("/healthz")));
  // Median of three runs: one run alone can take 4× the median on a loaded machine.
  const runs: number[] = [];
  let name = "";
  for (let i = 0; i < 3; i++) {
    name = `quick-${Date.now().toString(36)}${i}`;
    runs.push(
      await timed(async () => {
        await deployApp(name);
        if ((await post(`/apps/${name}/tasks`, { title: "first" })).status !== 201) throw new Error("not served");
      }),
    );
  }
  const e2e = median(runs);
  rows.push({
    benchmark: "offline e2e (median of 3 runs)",
    figure: ms(e2e),
    baseline: `GET /healthz ${ms(median(health))}`,
    spread: `runs ${runs.map((r) => ms(r)).join(", ")}`,
    floor: floor("≤ 5 s", e2e <= 5000),
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

  // Live apps without actions: the first request loads each, all within a few seconds (workerd
  // evicts an object 10 s after its last request), then memory is read while they are all live.
  const seeded = await post("/__bench/registry/seed", { prefix: "quick", from: 0, count: APPS, kind: "declarative" });
  const names = seeded.body.names as string[];
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await workerdRss();
  for (const app of names) await get(`/apps/${app}/tasks?limit=5`)();
  const perApp = ((await workerdRss()) - idle) / APPS;
  let i = 0;
  const warm = await paired(get(`/apps/${name}/tasks?limit=5`), () =>
    get(`/apps/${names[i++ % APPS]}/tasks?limit=5`)(),
  );
  results.quick = { e2e, proxy, perApp, warm };
  rows.push(
    {
      benchmark: `${APPS} live apps without actions: workerd memory per app`,
      figure: mib(perApp),
      baseline: `none served ${mib(idle)}`,
      floor: floor("≤ 2.5 MiB", perApp <= 2.5 * MiB),
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
