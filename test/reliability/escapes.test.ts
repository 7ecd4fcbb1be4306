// Proves generated code stays in its sandbox: no network, no endless CPU, no memory hoarding past the guard, no other app's data, no secrets.

import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

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
  it("cannot reach the network", async () => {
    const out = await probe(
      app(
        `try { await fetch("http://127.0.0.1:1/"); return new Response("escaped"); } catch (e) { return Response.json({ blocked: String(e) }); }`,
      ),
    );
    expect(out.body.blocked).toBeTruthy();
  });

  it("cannot hoard memory in a loop: the guard stops it", async () => {
    const out = await probe(
      app(`const kept = []; for (;;) kept.push({ n: kept.length }); return new Response("never");`),
    );
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe("cpu_limit_exceeded");
  });

  it("cannot build a giant value: the runtime refuses it and the request fails cleanly", async () => {
    const out = await probe(
      app(
        `try { "x".repeat(2 ** 31); return new Response("made it"); } catch (e) { return Response.json({ refused: e.name }); }`,
      ),
    );
    expect(out.body.refused).toBe("RangeError");
  });

  it("sees only its own storage, never another app's", async () => {
    const other = uniqueName("victim");
    await waitForRun((await startRun({ request: "victim", spec: todoSpec(other) })).id);
    await api(`/apps/${other}/tasks`, { method: "POST", json: { title: "secret plans" } });
    const out = await probe(
      app(`const tables = this.ctx.storage.sql.exec("SELECT name FROM sqlite_master").toArray().map((r) => r.name);
    return Response.json({ tables, bindings: Object.keys(this.env) });`),
    );
    expect(out.body.tables).not.toContain("e_task");
    expect(JSON.stringify(out.body)).not.toContain("secret plans");
    expect(out.body.bindings).toEqual(["EXPIRY"]);
  });

  it("cannot reach the gateway's secrets", async () => {
    const out = await probe(
      app(`const seen = { env: JSON.stringify(this.env), globals: Object.keys(globalThis).filter((k) => /KEY|TOKEN|SECRET/i.test(k)) };
    return Response.json(seen);`),
    );
    const everything = JSON.stringify(out.body);
    expect(everything).not.toContain("cf-test-token");
    expect(out.body.globals).toEqual([]);
    // The gateway itself holds the token it must not leak.
    expect((env as unknown as { CLOUDFLARE_API_TOKEN: string }).CLOUDFLARE_API_TOKEN).toContain("cf-test-token");
    const served = await json(await api("/healthz"));
    expect(JSON.stringify(served)).not.toContain("cf-test-token");
  });
});
