// Proves, in the app Worker exactly as it is uploaded to Cloudflare (run by `wrangler dev` with the same Durable Object
// binding and migration, a test subclass of the uploaded class as the only addition), that a real workerd alarm runs a
// schedule in the App object: the action writes a record in its partition (ctx.key) and broadcasts to a member, the
// schedule moves a period on, and a throwing schedule logs the structured line, which a tail consumer receives and the
// gateway's parser reads. Also that the global fetch refuses an allow-listed listening origin while ctx.fetch reaches it
// (the server sees exactly the ctx.fetch call), and that the platform token lets a run-now call through while a call
// without it (or with another token) gets 404.
import { fileURLToPath } from "node:url";
import { AppSpec } from "@aidevos/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCanary } from "../fakes/canary-server";
import { got as gotFrames, connect as open, until } from "../support/websocket";
import { serveUploadedApp, uploadedCompatibilityDate } from "./uploaded-app";
import type { DevServer } from "./wrangler-dev";

const TOKEN = "a".repeat(24) + crypto.randomUUID().replaceAll("-", "");
const TAIL_REPORTS = fileURLToPath(new URL("../../workers/gateway/src/apps/tail-reports.ts", import.meta.url));

/**
 * The probe's dynamic import of the guard: POST /v1/runs refuses any import() in action code now, so the
 * spec is validated without it and the import is put back after, to prove the uploaded guard refuses it
 * at run time too (defence in depth, should validation ever be bypassed).
 */
const PROBE_IMPORT = 'import("./__" + "aidevos_guard.js")';

function spec(canary: string) {
  const parsed = validSpec(canary);
  for (const action of parsed.actions ?? []) action.code = action.code?.replace("DYNAMIC_IMPORT", PROBE_IMPORT);
  return parsed;
}

function validSpec(canary: string) {
  return AppSpec.parse({
    name: "cf-alarm",
    partition: "perKey",
    outbound: [canary],
    entities: [{ name: "sweep", plural: "sweeps", fields: { by: { type: "string" }, key: { type: "string" } } }],
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: 'export default async (req, ctx) => { await ctx.entities.sweeps.create({ by: ctx.schedule ?? "request", key: ctx.key }); ctx.broadcast("news", "swept by " + (ctx.schedule ?? "request")); return { swept: true }; };',
      },
      {
        name: "fail",
        method: "POST",
        path: "/fail",
        code: 'export default async () => { throw new Error("boom"); };',
      },
      {
        // A plain fetch() is refused by the review's policy scan before it runs; this one slips past it.
        name: "out",
        method: "GET",
        path: "/out",
        code: `export default async (req, ctx) => {
  const to = ctx.query.get("to");
  const out = {};
  try { const res = await ctx.fetch(to + "/ctx"); out.ctx = res.status + " " + (await res.text()); } catch (e) { out.ctx = e.message; }
  try { const send = globalThis["fe" + "tch"]; out.global = "reached: " + (await send(to + "/global")).status; } catch (e) { out.global = e.message; }
  return out;
};`,
      },
      {
        // Everything action code could try to get the platform's fetch or token with: ctx, globals, the guard
        // module, and getters planted on Object.prototype (at module load, before any App object exists) that
        // would catch an env object with a prototype when the runtime reads a binding it lacks.
        name: "probe",
        method: "GET",
        path: "/probe",
        code: `const caught = [];
for (const name of ["PLATFORM", "APP", "EXPIRY", "aidevos_platform_token", "AIDEVOS_PLATFORM_CALL"])
  Object.defineProperty(Object.prototype, name, { get() { caught.push(name + " of {" + Object.keys(this).join(",") + "}"); return undefined; }, configurable: true });
export default async (req, ctx) => {
  let guard;
  try { await DYNAMIC_IMPORT; guard = "imported"; } catch (e) { guard = e.message; }
  return { ctxKeys: Object.keys(ctx).filter((k) => /env|platform|outbound/i.test(k)), globals: ["__aidevos_outbound", "PLATFORM", "env"].filter((k) => Object.hasOwn(globalThis, k)), guard, caught };
};`,
      },
    ],
    schedules: [
      { name: "sweeper", everySeconds: 60, action: "sweep" },
      { name: "broken", everySeconds: 120, action: "fail" },
    ],
    channels: [{ name: "news" }],
  });
}

interface TailParser {
  tailReports(events: unknown[], scope: { ownScript: string }): { app: string; runs: Record<string, unknown>[] }[];
}

/**
 * The test's entry: the uploaded entry's App with two test routes (move a schedule due and set the alarm now;
 * read the schedules), and its default handler with one route to the tail consumer. Production code has no hook.
 */
const TEST_ENTRY = `import * as uploaded from "./__aidevos_entry.js";

export class App extends uploaded.App {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__test/due") {
      this.ctx.storage.sql.exec("UPDATE _schedules SET next_at = 0 WHERE name = ?", url.searchParams.get("schedule"));
      await this.ctx.storage.setAlarm(Date.now());
      return Response.json({ armed: true });
    }
    if (url.pathname === "/__test/schedules")
      return Response.json(this.ctx.storage.sql.exec("SELECT name, every_ms, next_at FROM _schedules ORDER BY name").toArray());
    return super.fetch(request);
  }
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__test/tail") return env.TAIL.fetch(request);
    return uploaded.default.fetch(request, env, ctx);
  },
};
`;

/**
 * A tail consumer that keeps what the gateway's parser reads from the events it gets. Under wrangler dev an
 * event's scriptName is null (Cloudflare sets the Worker's name, which is the app's): the sink fills it in.
 */
const TAIL_SINK = `import { tailReports } from ${JSON.stringify(TAIL_REPORTS)};

const reports = [];
export default {
  tail(events) {
    reports.push(...tailReports(events.map((e) => ({ ...e, scriptName: e.scriptName ?? "cf-alarm" })), { ownScript: "aidevos" }));
  },
  fetch() {
    return Response.json(reports);
  },
};
`;

let dev: DevServer;
let canary: { url: string; server: { close(): void } };
let base = "";

beforeAll(async () => {
  canary = await startCanary();
  const origin = new URL(canary.url).origin;
  // As AppControlDO ships it (the guard allows the spec's outbound origins), the entry wrapped by the test's, the
  // tail consumer it names, and the platform token AppControlDO sets as a secret.
  dev = await serveUploadedApp(spec(origin), {
    outboundOrigins: [origin],
    modules: { "__test_entry.js": TEST_ENTRY, "tail-sink.js": TAIL_SINK },
    main: "__test_entry.js",
    settings: `tail_consumers = [{ service = "tail-sink" }]
services = [{ binding = "TAIL", service = "tail-sink" }]
vars = { aidevos_platform_token = "${TOKEN}" }
`,
    others: {
      "tail.toml": `name = "tail-sink"
main = "tail-sink.js"
compatibility_date = "${await uploadedCompatibilityDate()}"
`,
    },
    readyPath: "/k/probe/channels/news",
  });
  base = dev.base;
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  canary?.server.close();
});

const tail = () => `\n${dev.output().slice(-2000)}`;
const call = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
/** A partition holds data before its schedules start (a key with nothing stored runs none): one record in it. */
const holdData = (key: string) =>
  call(`/k/${key}/sweeps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ by: "seed" }),
  });
type ScheduleRow = { name: string; every_ms: number; next_at: number };
const schedules = async (key: string) => (await call(`/k/${key}/__test/schedules`)).body as ScheduleRow[];

describe("the uploaded App's alarm on Cloudflare", () => {
  it("runs a due schedule in its partition: a record, a broadcast, the next run a period on", async () => {
    const member = await open(`${base.replace(/^http/, "ws")}/k/t1/channels/news`);
    expect((await holdData("t1")).status).toBe(201);
    const before = Date.now();
    expect((await call("/k/t1/__test/due?schedule=sweeper")).body).toEqual({ armed: true });
    expect(await gotFrames(member, 1, "the schedule's broadcast", tail)).toEqual(["swept by sweeper"]);
    const { items } = (await call("/k/t1/sweeps")).body as { items: { by: string; key: string }[] };
    expect(items.filter((r) => r.by !== "seed").map((r) => ({ by: r.by, key: r.key }))).toEqual([
      { by: "sweeper", key: "t1" },
    ]);
    const sweeper = (await schedules("t1")).find((s) => s.name === "sweeper")!;
    expect(sweeper.next_at).toBeGreaterThanOrEqual(before + 60_000);
    expect(sweeper.next_at).toBeLessThanOrEqual(Date.now() + 60_000);
    // The other partition saw none of it.
    expect(((await call("/k/t2/sweeps")).body as { items: unknown[] }).items).toEqual([]);
  });

  it("logs a throwing schedule's run as the structured line, which the tail consumer gets and the parser reads", async () => {
    expect((await holdData("t3")).status).toBe(201);
    const before = Date.now();
    expect((await call("/k/t3/__test/due?schedule=broken")).body).toEqual({ armed: true });
    const { tailReports } = (await import(/* @vite-ignore */ TAIL_REPORTS)) as TailParser;
    // The line as the Worker logged it (wrangler prints the Worker's console), read by the gateway's parser.
    const printed = await until(
      () =>
        tailReports(
          dev
            .output()
            .split("\n")
            .filter((l) => l.includes('"aidevos.schedule-run"'))
            .map((l) => ({
              scriptName: "cf-alarm",
              event: null,
              outcome: "ok",
              logs: [{ message: [l.slice(l.indexOf("{"))] }],
            })),
          { ownScript: "aidevos" },
        ),
      (r) => r.some((x) => x.runs.some((run) => run.schedule === "broken")),
      "the structured line in the Worker's log",
      tail,
    );
    const lines = printed.flatMap((r) => r.runs).filter((run) => run.schedule === "broken");
    expect(lines).toEqual([
      {
        aidevos: "aidevos.schedule-run",
        schedule: "broken",
        key: "t3",
        at: expect.any(Number),
        ms: expect.any(Number),
        ok: false,
        error: { code: "internal_error", message: "action fail failed" },
      },
    ]);
    expect(lines[0]!.at as number).toBeGreaterThanOrEqual(before);
    // The tail consumer the Worker names got the same line from workerd.
    const received = await until(
      async () => (await call("/__test/tail")).body as { app: string; runs: { schedule: string; ok: boolean }[] }[],
      (r) => r.some((x) => x.runs.some((run) => run.schedule === "broken")),
      "the tail consumer's report",
      tail,
    );
    const run = received.flatMap((r) => r.runs.map((x) => ({ app: r.app, ...x }))).find((x) => x.schedule === "broken");
    expect(run).toMatchObject({ app: "cf-alarm", ok: false, key: "t3" });
    // Retried a period later, never at once.
    const broken = (await schedules("t3")).find((s) => s.name === "broken")!;
    expect(broken.next_at).toBeGreaterThanOrEqual(before + 120_000);
  });

  it("lets ctx.fetch reach an allow-listed origin while the global fetch to it is refused", async () => {
    const tag = `cf-${crypto.randomUUID()}`;
    const to = `${new URL(canary.url).origin}/${tag}`;
    const { status, body } = await call(`/k/t4/out?to=${encodeURIComponent(to)}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      ctx: "200 canary reached",
      global: `outbound_blocked: fetch to ${new URL(canary.url).origin} is refused: generated apps have no network access`,
    });
    expect(await (await fetch(`${canary.url}/__seen?key=${tag}`)).json()).toEqual([`GET /${tag}/ctx`]);
  });

  it("gives action code no way to the platform's fetch or token: not in ctx, globals, the guard module or env", async () => {
    const { status, body } = await call("/k/t7/probe");
    expect(status).toBe(200);
    expect(body).toEqual({
      ctxKeys: [],
      globals: [],
      guard:
        'sandbox: import("./__aidevos_guard.js") is refused: generated code may import only the bundle\'s own modules',
      caught: [],
    });
  });

  it("runs a schedule now for the platform's token only; without it (or with another) the call is 404", async () => {
    const path = "/k/t5/_aidevos/schedule/sweeper";
    const post = (headers: Record<string, string>) => call(path, { method: "POST", headers, body: "{}" });
    expect((await post({})).status).toBe(404);
    expect((await post({ "x-aidevos-platform-token": "b".repeat(56) })).status).toBe(404);
    const ran = await post({ "x-aidevos-platform-token": TOKEN, "content-type": "application/json" });
    expect(ran).toEqual({ status: 200, body: { ok: true, reply: '{"swept":true}', broadcasts: [] } });
    const { items } = (await call("/k/t5/sweeps")).body as { items: { by: string }[] };
    expect(items.map((r) => r.by)).toEqual(["sweeper"]);
  });
});
