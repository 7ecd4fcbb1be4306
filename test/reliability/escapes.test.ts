// Proves generated code stays in its sandbox: no network (probed against a listening server), no code
// built from strings, no endless CPU or native bombs, no memory hoarding past the guard, no other app's
// data, no secrets.
import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle } from "@aidevos/core";
import { appWorkerCode, instrumentModule } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { BOMBS, bombsApp, FROM_STRINGS, fromStringsApp } from "../sandbox/bypasses";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { measured } from "./figures";

type Host = ReturnType<typeof env.APP_HOST.get>;

function newHost(): Host {
  return env.APP_HOST.get(env.APP_HOST.idFromName(`probe:${crypto.randomUUID()}`));
}

async function probe(code: string, host: Host = newHost(), path = "/"): Promise<{ status: number; body: any }> {
  const files = [{ path: "app.js", role: "source" as const, content: code }];
  const bundle: CodeBundle = { mainModule: "app.js", className: "App", files, hash: await bundleHash(files) };
  const res = await host.serveBundle(new Request(`http://app${path}`), bundle);
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

/** A listening loopback server (test/fakes/canary-server.ts): reachable, so a refusal means something. */
const canary = (env as unknown as { TEST_CANARY_URL: string }).TEST_CANARY_URL;
async function canarySaw(key: string): Promise<string[]> {
  return (await fetch(`${canary}/__seen?key=${key}`)).json();
}

const app = (body: string) => `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch() {
    ${body}
  }
}`;

describe("sandbox escapes", () => {
  it("cannot reach the network: a listening server is refused and sees nothing", async (context) => {
    const key = `net-${crypto.randomUUID()}`;
    const target = `${canary}/${key}/exfiltrate`;
    // The same request from plain test code arrives: the probe is real.
    expect(await (await fetch(`${canary}/${key}-control/`)).text()).toBe("canary reached");
    const out = await probe(
      app(`const out = {};
    try { const res = await fetch(${JSON.stringify(target)}); out.fetch = "reached: " + res.status; } catch (e) { out.fetch = e.message; }
    try { await globalThis.fetch(new Request(${JSON.stringify(target)}, { method: "POST", body: "data" })); out.post = "reached"; } catch (e) { out.post = e.message; }
    try { new WebSocket(${JSON.stringify(target.replace("http", "ws"))}); out.ws = "opened"; } catch (e) { out.ws = e.message; }
    try { await import("cloudflare:" + "sockets"); out.sockets = "imported"; } catch (e) { out.sockets = e.message; }
    return Response.json(out);`),
    );
    const refusal = `outbound_blocked: fetch to ${new URL(canary).origin} is refused: generated apps have no network access`;
    const seen = await canarySaw(key);
    const tried = Object.keys(out.body ?? {}).length;
    const refused = Object.values(out.body ?? {}).filter((v) => /^(outbound_blocked|sandbox): /.test(String(v))).length;
    measured(context, { "ways out tried": tried, refused, "requests the server saw": seen.length });
    expect(out.body.fetch).toBe(refusal);
    expect(out.body.post).toBe(refusal);
    expect(out.body.ws).toMatch(
      /^outbound_blocked: a WebSocket client connection to ws:\/\/127\.0\.0\.1:\d+\/.+ is refused/,
    );
    expect(out.body.sockets).toMatch(/^sandbox: import\("cloudflare:sockets"\) is refused/);
    expect(seen).toEqual([]);
    expect(await canarySaw(`${key}-control`)).toEqual([`GET /${key}-control/`]);
    // cloudflare:sockets cannot even be imported statically.
    expect(() => instrumentModule('import { connect } from "cloudflare:sockets";', "app.js")).toThrow(
      /import of "cloudflare:sockets" is refused/,
    );
  });

  it("cannot reach the network below the guard either: the loader gives the Worker no outbound", async (context) => {
    // Test code, not generated code: a Worker with the sandbox's platform settings but without the
    // guard, to prove the second layer (globalOutbound: null) holds on its own.
    const key = `platform-${crypto.randomUUID()}`;
    const { compatibilityDate, compatibilityFlags, globalOutbound } = appWorkerCode({
      mainModule: "app.js",
      className: "App",
      hash: "x",
      files: [{ path: "app.js", role: "source", content: "export class App {}" }],
    });
    expect(globalOutbound).toBeNull();
    const raw = `export default {
  async fetch() {
    try { const res = await fetch(${JSON.stringify(`${canary}/${key}/raw`)}); return new Response("reached: " + res.status); }
    catch (e) { return new Response(e.message); }
  },
};`;
    const worker = env.LOADER.load({
      compatibilityDate,
      compatibilityFlags,
      globalOutbound,
      mainModule: "raw.js",
      modules: { "raw.js": raw },
    });
    const text = await (await worker.getEntrypoint().fetch("http://raw/")).text();
    const seen = await canarySaw(key);
    measured(context, { outcome: text.slice(0, 80), "requests the server saw": seen.length });
    expect(text).toMatch(/^This worker is not permitted to access the internet via global functions like fetch/);
    expect(seen).toEqual([]);
  });

  it("cannot run code built from strings, in any form, at load or request time", async (context) => {
    const out = await probe(fromStringsApp);
    const results = [...Object.values(out.body.atLoad ?? {}), ...Object.values(out.body.atRequest ?? {})].map(String);
    const refused = results.filter((r) => r.startsWith("refused: sandbox: ")).length;
    measured(context, {
      "bypasses tried": Object.keys(FROM_STRINGS).length * 2,
      "refused by the sandbox": refused,
      ran: results.filter((r) => r.startsWith("ran")).length,
    });
    expect(refused).toBe(Object.keys(FROM_STRINGS).length * 2);
  });

  it("cannot stall the runtime with native bulk work: every bomb ends in a 503", async (context) => {
    const host = newHost();
    const outcomes: string[] = [];
    for (let i = 0; i < Object.keys(BOMBS).length; i++) {
      const out = await probe(bombsApp(1e9), host, `/${i}`);
      outcomes.push(`${out.status} ${out.body.error?.code ?? "?"}`);
    }
    const after = await probe(bombsApp(1e9), host, "/ok");
    const cpu = outcomes.filter((o) => o === "503 cpu_limit_exceeded").length;
    const memory = outcomes.filter((o) => o === "503 memory_limit_exceeded").length;
    measured(context, {
      "bombs tried": outcomes.length,
      "503 cpu_limit_exceeded": cpu,
      "503 memory_limit_exceeded": memory,
      "next request": after.status,
    });
    expect(cpu + memory).toBe(Object.keys(BOMBS).length);
    expect(after.status).toBe(200);
  });

  it("cannot spin forever: the guard stops an endless loop", async (context) => {
    const t0 = Date.now();
    const out = await probe(app(`let n = 0; for (;;) n++; return new Response(String(n));`));
    measured(context, { outcome: `${out.status} ${out.body.error?.code ?? "?"}`, "stopped after ms": Date.now() - t0 });
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe("cpu_limit_exceeded");
  });

  it("cannot hoard memory in a loop: the guard stops it", async (context) => {
    const out = await probe(
      app(`const kept = []; for (;;) kept.push({ n: kept.length }); return new Response("never");`),
    );
    measured(context, { outcome: `${out.status} ${out.body.error?.code ?? "?"}` });
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe("cpu_limit_exceeded");
  });

  it("cannot build a giant value: the guard refuses it and the request fails cleanly", async (context) => {
    const out = await probe(
      app(
        `try { "x".repeat(2 ** 31); return new Response("made it"); } catch (e) { return Response.json({ caught: e.name }); }`,
      ),
    );
    measured(context, { outcome: `${out.status} ${out.body.error?.code ?? out.body}` });
    // Caught or not, an allocation over the limit fails the request.
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe("memory_limit_exceeded");
  });

  it("sees only its own storage, never another app's", async (context) => {
    const other = uniqueName("victim");
    await waitForRun((await startRun({ request: "victim", spec: todoSpec(other) })).id);
    await api(`/apps/${other}/tasks`, { method: "POST", json: { title: "secret plans" } });
    // The probe holds data of its own (written by its first request), so a read that sees nothing
    // would show up: it must find its own row and nothing of the victim's.
    const host = newHost();
    const spy = app(`if (new URL(request.url).pathname === "/write") {
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS mine (note TEXT)");
      this.ctx.storage.sql.exec("INSERT INTO mine VALUES ('my own note')");
      await this.ctx.storage.put("kv-own", "my own value");
      return new Response("written");
    }
    const tables = this.ctx.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name);
    const rows = {};
    for (const t of tables) {
      try { rows[t] = this.ctx.storage.sql.exec('SELECT * FROM "' + t.replaceAll('"', '""') + '"').toArray(); } catch (e) { rows[t] = String(e); }
    }
    const kv = Object.fromEntries(await this.ctx.storage.list());
    return Response.json({ tables, rows, kv, bindings: Object.keys(this.env) });`).replace(
      "async fetch()",
      "async fetch(request)",
    );
    expect((await probe(spy, host, "/write")).body).toBe("written");
    const out = await probe(spy, host, "/read");
    const everything = JSON.stringify(out.body);
    measured(context, {
      "tables seen": out.body.tables.length,
      "own records seen": everything.includes("my own note") ? "yes" : "none",
      "other app's records seen": everything.includes("secret plans") ? "yes" : "none",
      bindings: out.body.bindings.join(" "),
    });
    expect(everything).toContain("my own note");
    expect(out.body.kv).toMatchObject({ "kv-own": "my own value" });
    expect(out.body.tables).not.toContain("e_task");
    expect(everything).not.toContain("secret plans");
    expect(out.body.bindings).toEqual(["EXPIRY"]);
  });

  it("cannot reach the gateway's secrets", async (context) => {
    const out = await probe(
      app(`const seen = { env: JSON.stringify(this.env), globals: Object.keys(globalThis).filter((k) => /KEY|TOKEN|SECRET/i.test(k)) };
    return Response.json(seen);`),
    );
    const everything = JSON.stringify(out.body);
    measured(context, {
      "secrets seen": everything.includes("cf-test-token") ? "the Cloudflare token" : "none",
      "secret-named globals": out.body.globals.length,
    });
    expect(everything).not.toContain("cf-test-token");
    expect(out.body.globals).toEqual([]);
    // The gateway itself holds the token it must not leak.
    expect((env as unknown as { CLOUDFLARE_API_TOKEN: string }).CLOUDFLARE_API_TOKEN).toContain("cf-test-token");
    const served = await json(await api("/healthz"));
    expect(JSON.stringify(served)).not.toContain("cf-test-token");
  });
});
