// Benchmarks (pnpm bench): each figure is printed with the baseline it is measured against in the same
// process, and everything is written to bench/results/<time>.json.
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, it } from "vitest";
import { type DevServer, startWranglerDev } from "../test/e2e/wrangler-dev";

const ROOT = resolve(__dirname, "..");
const results: Record<string, unknown> = { machine: { cores: 2 }, at: new Date().toISOString() };
const table: string[][] = [["benchmark", "figure", "baseline", "ratio"]];
let dev: DevServer;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(`${dev.base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const post = (path: string, body: unknown) =>
  call(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function until(runId: string) {
  for (;;) {
    const run = await call(`/v1/runs/${runId}`);
    if (["succeeded", "failed", "cancelled"].includes(run.body.status)) return run.body;
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeAll(async () => {
  dev = await startWranglerDev({ vars: { AIDEVOS_BENCH: "1" } });
});
afterAll(async () => {
  await dev?.stop();
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  const file = join(ROOT, "bench/results", `${Date.now()}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
  console.log(
    `\n${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n")}\n\nwritten to ${file}`,
  );
});

it("offline end to end: an AppSpec request to its first served request", async () => {
  const health = [];
  for (let i = 0; i < 20; i++) health.push(await timed(() => call("/healthz")));
  const totals: number[] = [];
  const stages: Record<string, number[]> = {};
  const unit: number[] = [];
  let lastRun = "";
  for (let i = 0; i < 10; i++) {
    const name = `bench-${Date.now().toString(36)}${i}`;
    const spec = {
      name,
      entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
    };
    const total = await timed(async () => {
      const { body } = await post("/v1/runs", { request: "bench", spec });
      const run = await until(body.id);
      if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));
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
  table.push([
    "offline e2e (median of 10)",
    ms(median(totals)),
    `GET /healthz ${ms(median(health))}`,
    `${(median(totals) / median(health)).toFixed(0)}×`,
  ]);
  for (const [stage, v] of Object.entries(breakdown)) table.push([`  ${stage}`, ms(v), "", ""]);
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
  results.unitTests = { sandboxMedianMs: sandbox, vitestPoolMedianMs: median(pool), vitestPoolRuns: pool };
  table.push([
    "unit tests, sandboxed Worker",
    ms(sandbox),
    `vitest-pool-workers ${ms(median(pool))}`,
    `${(median(pool) / Math.max(sandbox, 1)).toFixed(0)}× faster`,
  ]);
});

async function load(path: string, seconds: number, concurrency: number) {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await fetch(`${dev.base}${path}`);
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rps: latencies.length / seconds, p50: pct(latencies, 50), p95: pct(latencies, 95) };
}

it("gateway proxy (routing + monitoring) vs the app's host object directly", async () => {
  const name = `proxy-${Date.now().toString(36)}`;
  const spec = {
    name,
    entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
  };
  await until((await post("/v1/runs", { request: "proxy", spec })).body.id);
  for (let i = 0; i < 20; i++) await post(`/apps/${name}/tasks`, { title: `t${i}` });
  // Latency one request at a time (what the proxy adds), then throughput under concurrent load.
  const single = { direct: [] as number[], proxied: [] as number[] };
  for (let i = 0; i < 200; i++) {
    single.direct.push(
      await timed(() => fetch(`${dev.base}/__bench/direct/apps/${name}/tasks?limit=5`).then((r) => r.arrayBuffer())),
    );
    single.proxied.push(
      await timed(() => fetch(`${dev.base}/apps/${name}/tasks?limit=5`).then((r) => r.arrayBuffer())),
    );
  }
  const proxied = [];
  const direct = [];
  // Interleaved, so both see the same machine.
  for (let round = 0; round < 3; round++) {
    direct.push(await load(`/__bench/direct/apps/${name}/tasks?limit=5`, 3, 16));
    proxied.push(await load(`/apps/${name}/tasks?limit=5`, 3, 16));
  }
  const d = { rps: median(direct.map((x) => x.rps)), p50: median(direct.map((x) => x.p50)) };
  const p = { rps: median(proxied.map((x) => x.rps)), p50: median(proxied.map((x) => x.p50)) };
  const s = { direct: median(single.direct), proxied: median(single.proxied) };
  results.proxy = {
    direct,
    proxied,
    throughputRatio: p.rps / d.rps,
    underLoadAddedP50Ms: p.p50 - d.p50,
    single: s,
    addedP50Ms: s.proxied - s.direct,
  };
  table.push([
    "proxy throughput (16 at once)",
    `${p.rps.toFixed(0)} req/s`,
    `direct ${d.rps.toFixed(0)} req/s`,
    (p.rps / d.rps).toFixed(2),
  ]);
  table.push([
    "proxy p50, one at a time",
    ms(s.proxied),
    `direct ${ms(s.direct)}`,
    `+${(s.proxied - s.direct).toFixed(2)} ms`,
  ]);
  table.push(["proxy p50 under load", ms(p.p50), `direct ${ms(d.p50)}`, `+${(p.p50 - d.p50).toFixed(2)} ms`]);
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
    table.push([
      `replay ${replay}`,
      `${u.calls} calls, ${u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens} tokens`,
      `cache reads ${((u.cacheReadTokens / Math.max(input, 1)) * 100).toFixed(0)}% of input`,
      `$${u.costUsd.toFixed(3)}`,
    ]);
  }
  results.replay = usage;
});
