// Benchmarks of the pipeline and of serving (pnpm bench): end to end, the unit-test sandbox against
// vitest-pool-workers, the gateway proxy against the app's host called directly, and replayed model usage.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { it } from "vitest";
import { benchServer, delta, floor, median, ms, timed } from "./support";

const ROOT = resolve(__dirname, "..");
const { results, rows, base, call, post, until, deployApp } = benchServer("pipeline");

it("offline end to end: an AppSpec request to its first served request", async () => {
  const health = [];
  for (let i = 0; i < 20; i++) health.push(await timed(() => call("/healthz")));
  const totals: number[] = [];
  const stages: Record<string, number[]> = {};
  const unit: number[] = [];
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
    const tests = await call(`/v1/runs/${lastRun}/tests`);
    unit.push(tests.body.reports.find((r: { kind: string }) => r.kind === "unit").durationMs);
  }
  const breakdown = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)]));
  results.endToEnd = {
    medianMs: median(totals),
    runs: totals,
    stageMedianMs: breakdown,
    healthzMedianMs: median(health),
  };
  results.unitSandboxMs = unit;
  rows.push({
    benchmark: "offline e2e: AppSpec → deployed → first request (median of 10)",
    figure: ms(median(totals)),
    baseline: `GET /healthz ${ms(median(health))}`,
    ratio: `${(median(totals) / median(health)).toFixed(0)}×`,
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

it("unit tests in a sandboxed dynamic Worker vs the same tests through vitest-pool-workers", async () => {
  const files = (await call(`/v1/runs/${results.lastRun}/files`)).body.files as { path: string; content: string }[];
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
  const pool: number[] = [];
  for (let i = 0; i < 3; i++) {
    pool.push(
      await timed(() =>
        promisify(execFile)(
          "pnpm",
          ["exec", "vitest", "run", "--root", dir, "--config", join(dir, "vitest.config.mjs")],
          { cwd: ROOT },
        ),
      ),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const sandbox = median(results.unitSandboxMs as number[]);
  const ratio = median(pool) / Math.max(sandbox, 1);
  results.unitTests = { sandboxMedianMs: sandbox, vitestPoolMedianMs: median(pool), vitestPoolRuns: pool };
  rows.push({
    benchmark: "unit-test stage in a sandboxed dynamic Worker",
    figure: ms(sandbox),
    baseline: `vitest-pool-workers ${ms(median(pool))}`,
    ratio: `${ratio.toFixed(0)}× faster`,
    floor: floor("≥ 20×", ratio >= 20),
  });
});

/** Load from autocannon, in this process, for a bounded time. */
async function load(path: string, seconds: number, connections: number) {
  const r = await autocannon({ url: `${base()}${path}`, connections, duration: seconds });
  if (r.errors || r.non2xx) throw new Error(`${path}: ${r.errors} errors, ${r.non2xx} non-2xx under load`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
}

it("gateway proxy (routing + monitoring) vs the app's host object called directly", async () => {
  const name = `proxy-${Date.now().toString(36)}`;
  await deployApp(name);
  for (let i = 0; i < 20; i++) await post(`/apps/${name}/tasks`, { title: `t${i}` });
  const proxied = `/apps/${name}/tasks?limit=5`;
  const direct = `/__bench/direct/apps/${name}/tasks?limit=5`;
  const get = (path: string) => () => fetch(`${base()}${path}`).then((r) => r.arrayBuffer());

  // Latency one request at a time, interleaved so both see the same machine.
  const single = { direct: [] as number[], proxied: [] as number[] };
  for (let i = 0; i < 50; i++) await Promise.all([get(direct)(), get(proxied)()]);
  for (let i = 0; i < 400; i++) {
    single.direct.push(await timed(get(direct)));
    single.proxied.push(await timed(get(proxied)));
  }
  const added = median(single.proxied) - median(single.direct);

  // Throughput in paired rounds, the order alternating, so drift on two shared cores falls on both sides.
  const rounds: { direct: Awaited<ReturnType<typeof load>>; proxied: Awaited<ReturnType<typeof load>> }[] = [];
  for (let round = 0; round < 6; round++) {
    const first = round % 2 === 0 ? direct : proxied;
    const a = await load(first, 3, 16);
    const b = await load(first === direct ? proxied : direct, 3, 16);
    rounds.push(first === direct ? { direct: a, proxied: b } : { direct: b, proxied: a });
  }
  const ratios = rounds.map((r) => r.proxied.rps / r.direct.rps);
  const ratio = median(ratios);
  const rps = { direct: median(rounds.map((r) => r.direct.rps)), proxied: median(rounds.map((r) => r.proxied.rps)) };
  const loadP50 = {
    direct: median(rounds.map((r) => r.direct.p50)),
    proxied: median(rounds.map((r) => r.proxied.p50)),
  };
  results.proxy = {
    single: { directMedianMs: median(single.direct), proxiedMedianMs: median(single.proxied), addedP50Ms: added },
    rounds,
    throughputRatios: ratios,
    throughputRatio: ratio,
  };
  rows.push({
    benchmark: "proxy throughput, autocannon 16 connections (median of 6 paired 3 s rounds)",
    figure: `${rps.proxied.toFixed(0)} req/s`,
    baseline: `direct ${rps.direct.toFixed(0)} req/s`,
    ratio: `${ratio.toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    floor: floor("≥ 0.8", ratio >= 0.8),
  });
  rows.push({
    benchmark: "proxy p50 latency, one request at a time (400 pairs)",
    figure: ms(median(single.proxied)),
    baseline: `direct ${ms(median(single.direct))}`,
    ratio: delta(added),
    floor: floor("≤ +1 ms", added <= 1),
  });
  rows.push({
    benchmark: "proxy p50 latency under load (autocannon, whole ms)",
    figure: ms(loadP50.proxied),
    baseline: `direct ${ms(loadP50.direct)}`,
    ratio: delta(loadP50.proxied - loadP50.direct, 1),
  });
});

it("replayed model runs: calls, tokens and cache reads per feature", async () => {
  const features = ["notes-from-text", "refine-fixes-status", "catalog-status"];
  const usage: Record<string, unknown> = {};
  for (const replay of features) {
    const run = await until(
      (await post("/v1/runs", { request: replay, options: { replay, learning: false } })).body.id,
    );
    const u = run.usage;
    const input = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
    usage[replay] = { ...u, cacheReadShare: u.cacheReadTokens / Math.max(input, 1) };
    rows.push({
      benchmark: `replayed run ${replay}`,
      figure: `${u.calls} calls, ${u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens} tokens, $${u.costUsd.toFixed(3)}`,
      baseline: `uncached input ${u.inputTokens + u.cacheWriteTokens} tokens`,
      ratio: `cache reads ${((u.cacheReadTokens / Math.max(input, 1)) * 100).toFixed(0)}% of input`,
    });
  }
  results.replay = usage;
});
