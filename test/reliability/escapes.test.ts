// Proves generated code stays in its sandbox: no network, no endless CPU, no memory hoarding past the guard, no other app's data, no secrets.
import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { measured } from "./figures";

async function probe(code: string): Promise<{ status: number; body: any }> {
  const files = [{ path: "app.js", role: "source" as const, content: code }];
  const bundle: CodeBundle = { mainModule: "app.js", className: "App", files, hash: await bundleHash(files) };
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`probe:${crypto.randomUUID()}`));
  const res = await host.serveBundle(new Request("http://app/"), bundle);
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

const app = (body: string) => `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch() {
    ${body}
  }
}`;

describe("sandbox escapes", () => {
  it("cannot reach the network", async (context) => {
    const out = await probe(
      app(
        `try { await fetch("http://127.0.0.1:1/"); return new Response("escaped"); } catch (e) { return Response.json({ blocked: String(e) }); }`,
      ),
    );
    measured(context, { outcome: out.body.blocked ? `blocked (${String(out.body.blocked).slice(0, 60)})` : "escaped" });
    expect(out.body.blocked).toBeTruthy();
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

  it("cannot build a giant value: the runtime refuses it and the request fails cleanly", async (context) => {
    const out = await probe(
      app(
        `try { "x".repeat(2 ** 31); return new Response("made it"); } catch (e) { return Response.json({ refused: e.name }); }`,
      ),
    );
    measured(context, { outcome: out.body.refused ? `refused (${out.body.refused})` : "built it" });
    expect(out.body.refused).toBe("RangeError");
  });

  it("sees only its own storage, never another app's", async (context) => {
    const other = uniqueName("victim");
    await waitForRun((await startRun({ request: "victim", spec: todoSpec(other) })).id);
    await api(`/apps/${other}/tasks`, { method: "POST", json: { title: "secret plans" } });
    const out = await probe(
      app(`const tables = this.ctx.storage.sql.exec("SELECT name FROM sqlite_master").toArray().map((r) => r.name);
    return Response.json({ tables, bindings: Object.keys(this.env) });`),
    );
    measured(context, {
      "tables seen": out.body.tables.length,
      "other app's records seen": JSON.stringify(out.body).includes("secret plans") ? "yes" : "none",
      bindings: out.body.bindings.join(" "),
    });
    expect(out.body.tables).not.toContain("e_task");
    expect(JSON.stringify(out.body)).not.toContain("secret plans");
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
