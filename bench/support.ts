// What every benchmark file shares: its own `wrangler dev`, the machine it ran on (read, not written),
// HTTP helpers, statistics, and a table of figures with their baselines and floors, printed and written
// to bench/results/ at the end. A missed floor fails the file, so `pnpm bench` exits non-zero.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type DevServer, startWranglerDev } from "../test/e2e/wrangler-dev";

const ROOT = resolve(__dirname, "..");
const MiB = 2 ** 20;
/** Linux's USER_HZ, the unit of utime and stime in /proc/<pid>/stat (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The `p`th percentile (nearest rank). */
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 2 : 0)} MiB`;
/** A difference with its sign: +0.12 ms, −0.30 ms. */
export const delta = (n: number, digits = 2) => `${n < 0 ? "−" : "+"}${Math.abs(n).toFixed(digits)} ms`;
export const count = (n: number) => Math.round(n).toLocaleString("en-US");
export const times = (n: number) => `${n.toFixed(2)}×`;

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The median time of `n` runs of `fn`, after one warm-up run. */
export async function medianTime(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timed(fn));
  return median(samples);
}

/**
 * Takes the paired rounds `pairedRatio` reads: after `warmup` calls of both, `rounds` rounds of `perRound`
 * interleaved pairs, the order alternating; each round's medians of a and b.
 */
export async function pairedRounds(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  rounds: number,
  perRound: number,
  warmup: number,
): Promise<{ a: number; b: number }[]> {
  for (let i = 0; i < warmup; i++) await Promise.all([a(), b()]);
  const out: { a: number; b: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const xa: number[] = [];
    const xb: number[] = [];
    for (let i = 0; i < perRound; i++) {
      if ((r + i) % 2 === 0) {
        xa.push(await timed(a));
        xb.push(await timed(b));
      } else {
        xb.push(await timed(b));
        xa.push(await timed(a));
      }
    }
    out.push({ a: median(xa), b: median(xb) });
  }
  return out;
}

/**
 * Paired rounds of two measurements taken in alternating order, so drift of a shared machine falls
 * on both. Returns the ratio b/a of each round, their median, and a 95% interval for the median ratio
 * (distribution-free: the order statistics around the median of the rounds' ratios).
 */
export function pairedRatio(rounds: { a: number; b: number }[]) {
  const ratios = rounds.map((r) => r.b / r.a).sort((x, y) => x - y);
  const n = ratios.length;
  // The sign-test interval: ranks n/2 ± 1.96·√n/2, clamped to the rounds there are.
  const half = Math.ceil(1.96 * Math.sqrt(n) * 0.5);
  const lo = ratios[Math.max(0, Math.floor(n / 2) - half)]!;
  const hi = ratios[Math.min(n - 1, Math.ceil(n / 2) + half - 1)]!;
  return { ratios, median: median(ratios), low: lo, high: hi };
}

/** Resident memory of a process, in bytes (VmRSS from /proc). */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(line.replace(/\D+/g, "")) * 1024;
}

/** The version of an installed package, as the package says. */
function installed(pkg: string, from = ROOT): string {
  try {
    return createRequire(join(from, "package.json"))(`${pkg}/package.json`).version as string;
  } catch {
    return "unknown";
  }
}

/** The machine this run measured on, read at start: cores, memory, load, Node, wrangler and its workerd. */
function machine() {
  const wrangler = realpathSync(join(ROOT, "node_modules/wrangler"));
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    wrangler: installed("wrangler"),
    workerd: installed("workerd", wrangler),
  };
}

/** A floor: what must hold, and whether this run held it. */
export interface Floor {
  what: string;
  met: boolean;
}
export const floor = (what: string, met: boolean): Floor => ({ what, met });

interface Row {
  benchmark: string;
  figure: string;
  baseline?: string;
  ratio?: string;
  /** How much the figure moved within this run (rounds, intervals). */
  spread?: string;
  floor?: Floor;
}

/** Starts `wrangler dev` (with the bench-only routes) for one benchmark file and reports its figures. */
export function benchServer(name: string, options: { server?: boolean; vars?: Record<string, string> } = {}) {
  const results: Record<string, unknown> = { machine: machine(), at: new Date().toISOString() };
  const rows: Row[] = [];
  let dev: DevServer | undefined;
  // The file's own state directory, kept across a restart (below) and removed at the end.
  const persistTo = mkdtempSync(join(tmpdir(), `aidevos-bench-${name}-`));
  const start = () => startWranglerDev({ persistTo, vars: { ...options.vars, AIDEVOS_BENCH: "1" } });

  beforeAll(async () => {
    // A benchmark of code in this process (lists.run.ts) needs no server, only the table of figures.
    if (options.server !== false) dev = await start();
  });
  afterAll(async () => {
    await dev?.stop();
    rmSync(persistTo, { recursive: true, force: true });
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    const file = join(ROOT, "bench/results", `${Date.now()}-${name}.json`);
    writeFileSync(file, `${JSON.stringify({ ...results, table: rows }, null, 2)}\n`);
    const verdict = (f?: Floor) => (f ? `${f.what}: ${f.met ? "met" : "NOT MET"}` : "");
    const table = [["benchmark", "figure", "baseline (same run)", "ratio", "spread", "floor"]].concat(
      rows.map((r) => [r.benchmark, r.figure, r.baseline ?? "", r.ratio ?? "", r.spread ?? "", verdict(r.floor)]),
    );
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    console.log(
      `\nmachine: ${JSON.stringify(results.machine)}\n\n${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n")}\n\nwritten to ${file}`,
    );
    const missed = rows.filter((r) => r.floor && !r.floor.met);
    if (missed.length > 0)
      throw new Error(
        `${missed.length} floor(s) missed: ${missed.map((r) => `${r.benchmark} (${r.floor!.what})`).join("; ")}`,
      );
  });

  const server = () => {
    if (!dev) throw new Error(`${name} runs without a server`);
    return dev;
  };
  const base = () => server().base;
  async function call(path: string, init: RequestInit = {}) {
    const res = await fetch(`${base()}${path}`, init);
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
  async function deployApp(app: string, extra: Record<string, unknown> = {}) {
    const spec = {
      name: app,
      entities: [{ name: "task", plural: "tasks", fields: { title: { type: "string", required: true } } }],
      ...extra,
    };
    const run = await until((await post("/v1/runs", { request: app, spec })).body.id);
    if (run.status !== "succeeded") throw new Error(`${app}: ${JSON.stringify(run.error)}`);
    return run;
  }

  /**
   * Stops the server and starts a fresh one on the same state: what was recorded stays, nothing is
   * loaded. A memory reading after it is of a new workerd, not of one that just seeded (compiled
   * bundles, served apps: workerd keeps the memory it grew to).
   */
  async function restart(): Promise<void> {
    await server().stop();
    dev = await start();
  }

  /**
   * Gives every app `records` tasks through its own create route (POST /tasks, inside the Worker),
   * four apps at a time, and checks every one was answered 201: an app left empty would make its
   * memory look smaller than a used app's.
   */
  async function fillTasks(apps: string[], records: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < apps.length) {
          const app = apps[next++]!;
          const res = await post("/__bench/serve", {
            app,
            method: "POST",
            path: "/tasks",
            body: { title: "task {i} of a used app" },
            count: records,
          });
          if (res.body?.statuses?.["201"] !== records)
            throw new Error(`${app}: seeding ${records} tasks answered ${JSON.stringify(res.body).slice(0, 300)}`);
        }
      }),
    );
  }

  /** Counts an app's tasks page by page (an app at `/apps/<app>` or any base given). */
  async function countTasks(app: string): Promise<number> {
    let total = 0;
    let cursor: string | null = null;
    do {
      const page = await call(`/apps/${app}/tasks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (page.status !== 200) throw new Error(`${app}: listing tasks answered ${page.status}`);
      total += page.body.items.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    return total;
  }

  /** Resident memory of the server's workerd processes now (the Worker's, and wrangler's dev proxy's). */
  async function workerdRss(): Promise<number> {
    const pids = await server().workerdPids();
    if (pids.length === 0) throw new Error("no workerd process under wrangler dev");
    return pids.reduce((sum, pid) => sum + rss(pid), 0);
  }

  /**
   * CPU time the server's workerd processes have used so far, user and system, in ms (/proc, ticks of
   * 10 ms): the difference over a block of requests is their CPU, whatever else the machine runs.
   */
  async function workerdCpuMs(): Promise<number> {
    const pids = await server().workerdPids();
    if (pids.length === 0) throw new Error("no workerd process under wrangler dev");
    return pids.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    }, 0);
  }

  /** Resident memory of each workerd process of the server now, by pid. */
  async function workerdRssEach(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const pid of await server().workerdPids()) {
      try {
        out.set(pid, rss(pid));
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /**
   * Which of the server's workerd processes is wrangler's dev proxy (it listens on the port the
   * benchmark calls) and which runs the Worker (gateway, objects, apps, and the local R2 simulation).
   */
  async function workerdRoles(): Promise<Map<number, "dev proxy" | "Worker">> {
    const entry = `entry=${new URL(base()).host}`;
    const out = new Map<number, "dev proxy" | "Worker">();
    for (const pid of await server().workerdPids()) {
      try {
        out.set(
          pid,
          readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(`--socket-addr=${entry}`)
            ? "dev proxy"
            : "Worker",
        );
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  return {
    results,
    rows,
    base,
    call,
    post,
    until,
    deployApp,
    workerdRss,
    workerdRssEach,
    workerdRoles,
    workerdCpuMs,
    restart,
    fillTasks,
    countTasks,
  };
}

/** The leaderboard's entity both list benchmarks query: sortable by points and time, a range on either. */
export const SCORES = {
  name: "score",
  plural: "scores",
  fields: {
    player: { type: "string", required: true },
    points: { type: "integer", required: true, min: 0 },
    at: { type: "datetime" },
  },
  sortable: ["points", "at"],
} as const;
