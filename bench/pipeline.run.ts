// Benchmarks of the pipeline and of serving (pnpm bench), each against a baseline doing the same work:
// end to end (offline, and replayed runs whose model answers at once, so their time is the pipeline's
// own); the unit-test stage against vitest-pool-workers, cold against cold and warm rerun against warm
// rerun; the gateway's proxy against a bare Worker calling the same app host; an action route against
// an entity route reading the same records.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { it } from "vitest";
import { benchServer, delta, floor, median, ms, pairedRatio, pairedRounds, timed, times } from "./support";

const ROOT = resolve(__dirname, "..");
const { results, rows, base, call, post, until, deployApp } = benchServer("pipeline");

/** A 95% interval (sign test) for the median of paired differences b − a, one difference per round. */
function pairedDelta(rounds: { a: number; b: number }[]) {
  const d = rounds.map((r) => r.b - r.a).sort((x, y) => x - y);
  const n = d.length;
  const half = Math.ceil(1.96 * Math.sqrt(n) * 0.5);
  return {
    median: median(d),
    low: d[Math.max(0, Math.floor(n / 2) - half)]!,
    high: d[Math.min(n - 1, Math.ceil(n / 2) + half - 1)]!,
  };
}

const get = (path: string) => () => fetch(`${base()}${path}`).then((r) => r.arrayBuffer());

/** One request at a time, in rounds alternating which path goes first; each round's medians. */
const pairedLatency = (a: string, b: string, rounds: number, perRound: number) =>
  pairedRounds(get(a), get(b), rounds, perRound, 30);

it("offline end to end: an AppSpec request to its first served request", async () => {
  const health = [];
  for (let i = 0; i < 20; i++) health.push(await timed(() => call("/healthz")));
  const totals: number[] = [];
  const stages: Record<string, number[]> = {};
  let lastRun = "";
  for (let i = 0; i < 10; i++) {
    const name = `bench-${Date.now().toString(36)}${i}`;
    const total = await timed(async () => {
      const run = await deployApp(name);
      lastRun = run.id;
      for (const s of run.stages) {
        stages[s.name] ??= [];
        stages[s.name]!.push(Date.parse(s.finishedAt) - Date.parse(s.startedAt));
      }
      const served = await post(`/apps/${name}/tasks`, { title: "first" });
      if (served.status !== 201) throw new Error(`served ${served.status}`);
    });
    totals.push(total);
  }
  const breakdown = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)]));
  results.endToEnd = {
    medianMs: median(totals),
    runs: totals,
    stageMedianMs: breakdown,
    healthzMedianMs: median(health),
  };
  rows.push({
    benchmark: "offline e2e: AppSpec → deployed → first request (median of 10)",
    figure: ms(median(totals)),
    baseline: `GET /healthz ${ms(median(health))}`,
    spread: `runs ${ms(Math.min(...totals))}–${ms(Math.max(...totals))}`,
    floor: floor("≤ 1.5 s", median(totals) <= 1500),
  });
  rows.push({
    benchmark: "  per stage (medians)",
    figure: Object.entries(breakdown)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(", "),
  });
  results.lastRun = lastRun;
});

it("replayed runs: the pipeline's own time, with the model's answers replayed at once", async () => {
  const features = ["notes-from-text", "refine-fixes-status", "catalog-status"];
  const usage: Record<string, unknown> = {};
  for (const replay of features) {
    const walls: number[] = [];
    let run: any;
    for (let i = 0; i < 3; i++) {
      walls.push(
        await timed(async () => {
          run = await until(
            (await post("/v1/runs", { request: replay, options: { replay, learning: false } })).body.id,
          );
        }),
      );
    }
    if (run.status !== "succeeded") throw new Error(`${replay}: ${run.status} ${JSON.stringify(run.error)}`);
    const u = run.usage;
    const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
    usage[replay] = { ...u, wallMs: walls, cacheReadShare: u.cacheReadTokens / Math.max(input, 1) };
    rows.push({
      benchmark: `replayed run ${replay}: pipeline overhead (median of 3)`,
      figure: ms(median(walls)),
      baseline: `model time not included: ${u.calls} calls, ${u.outputTokens} output tokens, each adds a real model's latency`,
      spread: `runs ${ms(Math.min(...walls))}–${ms(Math.max(...walls))}`,
    });
    rows.push({
      benchmark: "  its metered usage (fixture tokens)",
      figure: `${u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens} tokens, $${u.costUsd.toFixed(3)}`,
      baseline: `uncached input ${u.inputTokens + u.cacheWriteTokens} tokens`,
      ratio: `cache reads ${((u.cacheReadTokens / Math.max(input, 1)) * 100).toFixed(0)}% of input`,
    });
  }
  results.replay = usage;
});

it("unit tests in the sandbox against the same tests through vitest-pool-workers, cold and warm", async () => {
  const files = (await call(`/v1/runs/${results.lastRun}/files`)).body.files as {
    path: string;
    role: string;
    content: string;
  }[];
  const sandbox = (await post("/__bench/unit", { files })).body;
  if (!sandbox.ok) throw new Error("the generated unit tests failed in the sandbox");
  const dir = join(ROOT, "bench/.tmp-unit");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.path), f.content);
  writeFileSync(join(dir, "__harness.js"), 'export { describe, it, expect } from "vitest";\n');
  writeFileSync(
    join(dir, "vitest.config.mjs"),
    `import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
export default defineConfig({ plugins: [cloudflareTest({ miniflare: { compatibilityDate: "2026-11-01" } })], test: { include: ["*.test.js"] } });
`,
  );
  const vitest: any[] = [];
  const processes: number[] = [];
  for (let i = 0; i < 3; i++) {
    let out = "";
    processes.push(
      await timed(async () => {
        out = (
          await promisify(execFile)(
            process.execPath,
            [join(ROOT, "bench/vitest-baseline.mjs"), dir, join(dir, "vitest.config.mjs")],
            { cwd: ROOT },
          )
        ).stdout;
      }),
    );
    vitest.push(JSON.parse(out.trim().split("\n").at(-1)!));
  }
  rmSync(dir, { recursive: true, force: true });
  if (vitest.some((v) => v.failed > 0)) throw new Error(`vitest failed tests: ${JSON.stringify(vitest)}`);
  // Like with like: the baseline must have run the very cases the stage ran, or the ratio compares other work.
  if (vitest.some((v) => v.tests !== sandbox.cases))
    throw new Error(`vitest ran ${vitest.map((v) => v.tests).join(", ")} tests, the stage ${sandbox.cases}`);
  const v = (key: string) => median(vitest.map((x) => x[key]));
  const warmSandbox = median(sandbox.warmMs);
  const coldRatio = median(processes) / Math.max(sandbox.coldMs, 1);
  results.unitTests = { sandbox, vitest, vitestProcessMs: processes };
  rows.push(
    {
      // Start-up against start-up: a new vitest process (Vite, the plugin, workerd) against the stage's
      // fresh Worker in a running gateway. It measures what a first run costs, not test execution.
      benchmark: `unit tests cold, start-up included (${sandbox.cases} cases, the same in both): the stage (instrument, fresh Worker, run)`,
      figure: ms(sandbox.coldMs),
      baseline: `\`vitest run\` as a new process ${ms(median(processes))} (its own first run ${ms(v("coldWallMs"))}, tests ${ms(v("coldReportedMs"))})`,
      ratio: `${coldRatio.toFixed(0)}× faster than a new process`,
      spread: `processes ${ms(Math.min(...processes))}–${ms(Math.max(...processes))}`,
      floor: floor("≥ 20×", coldRatio >= 20),
    },
    {
      benchmark: "unit tests warm: rerun in the loaded Worker (5 samples, each a block of 50 reruns)",
      figure: ms(warmSandbox),
      baseline: `vitest rerun in its process ${ms(v("warmWallMs"))} (its reported test time ${ms(v("warmReportedMs"))})`,
      ratio: times(v("warmWallMs") / Math.max(warmSandbox, 0.001)),
      spread: `samples ${sandbox.warmMs.map((m: number) => m.toFixed(2)).join(", ")} ms per rerun`,
    },
  );
});

/** Load from autocannon, in this process, for a bounded time. */
async function load(path: string, seconds: number, connections: number) {
  const r = await autocannon({ url: `${base()}${path}`, connections, duration: seconds });
  if (r.errors || r.non2xx) throw new Error(`${path}: ${r.errors} errors, ${r.non2xx} non-2xx under load`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
}

it("gateway proxy against a bare Worker calling the same app host", async () => {
  const name = `proxy-${Date.now().toString(36)}`;
  await deployApp(name);
  for (let i = 0; i < 20; i++) await post(`/apps/${name}/tasks`, { title: `t${i}` });
  const proxied = `/apps/${name}/tasks?limit=5`;
  const bare = `/__bench/bare/${name}/tasks?limit=5`;

  const single = await pairedLatency(bare, proxied, 20, 20);
  const added = pairedDelta(single);

  // Throughput in paired rounds, the order alternating, so drift on two shared cores falls on both sides.
  const rounds: { bare: Awaited<ReturnType<typeof load>>; proxied: Awaited<ReturnType<typeof load>> }[] = [];
  for (let round = 0; round < 8; round++) {
    const first = round % 2 === 0 ? bare : proxied;
    const a = await load(first, 3, 16);
    const b = await load(first === bare ? proxied : bare, 3, 16);
    rounds.push(first === bare ? { bare: a, proxied: b } : { bare: b, proxied: a });
  }
  const tp = pairedRatio(rounds.map((r) => ({ a: r.bare.rps, b: r.proxied.rps })));
  const rps = { bare: median(rounds.map((r) => r.bare.rps)), proxied: median(rounds.map((r) => r.proxied.rps)) };
  const loadP50 = { bare: median(rounds.map((r) => r.bare.p50)), proxied: median(rounds.map((r) => r.proxied.p50)) };
  results.proxy = { single, addedP50: added, rounds, throughput: tp };
  rows.push(
    {
      benchmark: "proxy throughput, autocannon 16 connections (median of 8 paired 3 s rounds)",
      figure: `${rps.proxied.toFixed(0)} req/s`,
      baseline: `bare Worker → same host ${rps.bare.toFixed(0)} req/s`,
      ratio: tp.median.toFixed(2),
      spread: `95% CI ${tp.low.toFixed(2)}–${tp.high.toFixed(2)}`,
      floor: floor("≥ 0.8", tp.median >= 0.8),
    },
    {
      benchmark: "proxy p50 latency, one request at a time (20 paired rounds of 20)",
      figure: ms(median(single.map((r) => r.b))),
      baseline: `bare ${ms(median(single.map((r) => r.a)))}`,
      ratio: delta(added.median),
      spread: `95% CI ${delta(added.low)} to ${delta(added.high)}`,
      floor: floor("≤ +1 ms", added.median <= 1),
    },
    {
      benchmark: "proxy p50 latency under load (autocannon, whole ms)",
      figure: ms(loadP50.proxied),
      baseline: `bare ${ms(loadP50.bare)}`,
      ratio: delta(loadP50.proxied - loadP50.bare, 1),
    },
  );
});

it("an action route against the entity route reading the same records", async () => {
  const name = `action-${Date.now().toString(36)}`;
  await deployApp(name, {
    actions: [
      {
        name: "recent",
        method: "GET",
        path: "/recent",
        code: "export default async (req, ctx) => ctx.entities.tasks.list({ limit: 5 });\n",
      },
    ],
  });
  for (let i = 0; i < 20; i++) await post(`/apps/${name}/tasks`, { title: `t${i}` });
  const entity = `/apps/${name}/tasks?limit=5`;
  const action = `/apps/${name}/recent`;
  const same = [await call(entity), await call(action)];
  if (JSON.stringify(same[0]!.body.items) !== JSON.stringify(same[1]!.body.items))
    throw new Error("the action and the entity route answered different records");
  const rounds = await pairedLatency(entity, action, 20, 20);
  const r = pairedRatio(rounds);
  results.actionRoute = { rounds, ratio: r };
  rows.push({
    benchmark: "action GET /recent (ctx.entities.tasks.list, 5 of 20), p50 (20 paired rounds of 20)",
    figure: ms(median(rounds.map((x) => x.b))),
    baseline: `entity route GET /tasks?limit=5 ${ms(median(rounds.map((x) => x.a)))}`,
    ratio: times(r.median),
    spread: `95% CI ${times(r.low)}–${times(r.high)}`,
    // Measured 0.97× (docs/benchmarks.md): an action twice as slow as the entity route fails.
    floor: floor("≤ 1.5×", r.median <= 1.5),
  });
});
