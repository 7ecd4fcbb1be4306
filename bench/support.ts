// What every benchmark file shares: its own `wrangler dev`, HTTP helpers, statistics, and a table of
// figures with their same-process baselines, printed and written to bench/results/ at the end.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type DevServer, startWranglerDev } from "../test/e2e/wrangler-dev";

const ROOT = resolve(__dirname, "..");

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const ms = (n: number) => `${n.toFixed(1)} ms`;
/** A difference with its sign: +0.12 ms, −0.30 ms. */
export const delta = (n: number, digits = 2) => `${n < 0 ? "−" : "+"}${Math.abs(n).toFixed(digits)} ms`;
export const count = (n: number) => Math.round(n).toLocaleString("en-US");

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The median time of `times` runs of `fn`, after one warm-up run. */
export async function medianTime(times: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await timed(fn));
  return median(samples);
}

interface Row {
  benchmark: string;
  figure: string;
  baseline?: string;
  ratio?: string;
  /** The floor and whether this run met it. */
  floor?: string;
}

/** Starts `wrangler dev` (with the bench-only routes) for one benchmark file and reports its figures. */
export function benchServer(name: string, opts: { server?: boolean } = {}) {
  const results: Record<string, unknown> = { machine: { cores: 2 }, at: new Date().toISOString() };
  const rows: Row[] = [];
  let dev: DevServer;

  beforeAll(async () => {
    // A benchmark of code in this process (lists.run.ts) needs no server, only the table of figures.
    if (opts.server !== false) dev = await startWranglerDev({ vars: { AIDEVOS_BENCH: "1" } });
  });
  afterAll(async () => {
    await dev?.stop();
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    const file = join(ROOT, "bench/results", `${Date.now()}-${name}.json`);
    writeFileSync(file, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
    const table = [["benchmark", "figure", "baseline (same process)", "ratio", "floor"]].concat(
      rows.map((r) => [r.benchmark, r.figure, r.baseline ?? "", r.ratio ?? "", r.floor ?? ""]),
    );
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    console.log(
      `\n${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n")}\n\nwritten to ${file}`,
    );
  });

  const base = () => dev.base;
  async function call(path: string, init: RequestInit = {}) {
    const res = await fetch(`${dev.base}${path}`, init);
    const text = await res.text();
    if (res.status >= 500) throw new Error(`${init.method ?? "GET"} ${path} → ${res.status}: ${text.slice(0, 300)}`);
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

  /** Builds and deploys an app through a real offline run. */
  async function deployApp(app: string) {
    const spec = {
      name: app,
      entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
    };
    const run = await until((await post("/v1/runs", { request: app, spec })).body.id);
    if (run.status !== "succeeded") throw new Error(`${app}: ${JSON.stringify(run.error)}`);
    return run;
  }

  return { results, rows, base, call, post, until, deployApp };
}

/** A floor's verdict for the table. */
export const floor = (what: string, met: boolean) => `${what}: ${met ? "met" : "NOT met"}`;
