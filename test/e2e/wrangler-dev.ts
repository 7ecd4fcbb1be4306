import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";

const run = promisify(execFile);
const CLI = resolve(__dirname, "../../tools/cli/src/main.ts");

export interface DevServer {
  base: string;
  persistTo: string;
  output: () => string;
  /** The workerd processes wrangler runs (the Worker's and its dev proxy's): benchmarks read their memory. */
  workerdPids(): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Every process below `pid`: wrangler starts workerd in a process group of its own. Asynchronous, so
 * a test's requests keep flowing while it looks and a kill lands in the middle of them.
 */
async function descendants(pid: number): Promise<number[]> {
  let children: number[] = [];
  try {
    const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
    children = stdout
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    // no children
  }
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `wrangler dev` the way `pnpm dev` does, on a free port with its own state directory: the
 * project's Worker, or the Workers of `configs` (the first is the one served; state is kept outside
 * their directory, which wrangler watches). Ready when `readyPath` (default /healthz) answers below 500.
 */
export async function startWranglerDev(
  options: { persistTo?: string; vars?: Record<string, string>; configs?: string[]; readyPath?: string } = {},
): Promise<DevServer> {
  const port = await freePort();
  const persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "aidevos-e2e-"));
  let log = "";
  const child: ChildProcess = spawn(
    "pnpm",
    [
      "exec",
      "wrangler",
      "dev",
      ...(options.configs ?? []).flatMap((config) => ["--config", config]),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      ...Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    {
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        // As `pnpm dev`: local traces record every invocation on disk, unbounded, and slow each request.
        X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  child.stdout?.on("data", (d) => {
    log += d;
  });
  child.stderr?.on("data", (d) => {
    log += d;
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  const readyPath = options.readyPath ?? "/healthz";
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${base}${readyPath}`)).status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer ${readyPath}:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    persistTo,
    output: () => log,
    workerdPids: async () =>
      (await descendants(child.pid!)).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
        } catch {
          return false; // gone, or no /proc here
        }
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // Like a crash: everything at once, workerd included, with no chance to clean up.
        for (const pid of [...(await descendants(child.pid!)), child.pid!]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        await exited;
      }
      if (!options.persistTo) rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** One JSON request to a running `wrangler dev`: `json` becomes the body, the answer comes back parsed. */
export async function devCall(dev: DevServer, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const res = await fetch(`${dev.base}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Runs the pipeline on a given spec and waits for the run to succeed; a failed or stuck run throws. */
export async function devDeploy(dev: DevServer, spec: unknown) {
  const created = await devCall(dev, "/v1/runs", { method: "POST", json: { request: "e2e", spec } });
  expect(created.status).toBe(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await devCall(dev, `/v1/runs/${created.body.id}`);
    if (run.body.status === "succeeded") return run.body;
    if (run.body.status === "failed") throw new Error(JSON.stringify(run.body.error));
    if (Date.now() > deadline) throw new Error(`run stuck: ${JSON.stringify(run.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CLI as a user runs it against `dev`, with `stdin` piped in (a password, a secret): its exit code and output. */
export function devCli(
  dev: DevServer,
  args: string[],
  stdin = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args, "--url", dev.base],
      { encoding: "utf8" },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}
