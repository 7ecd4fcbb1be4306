// Proves the sandbox holds at run time, not only in the text scan: code built from strings is refused
// in every form (at module load too, where workerd itself allows it), guard budgets are per request,
// and native allocation and iteration bombs end in a 503 JSON error instead of stalling workerd.

import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle } from "@aidevos/core";
import { guardSource, runUnitTests } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { BOMBS, bombsApp, FROM_STRINGS, fromStringsApp } from "./bypasses";

async function appBundle(content: string): Promise<CodeBundle> {
  const files = [{ path: "app.js", role: "source" as const, content }];
  return { mainModule: "app.js", className: "App", files, hash: await bundleHash(files) };
}

function newHost() {
  return env.APP_HOST.get(env.APP_HOST.idFromName(`hardening:${crypto.randomUUID()}`));
}

async function send(host: ReturnType<typeof newHost>, bundle: CodeBundle, path: string) {
  const res = await host.serveBundle(new Request(`http://app${path}`), bundle);
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

describe("code built from strings", () => {
  it("is refused by the sandbox in every form, at module load and at request time", async () => {
    const out = await send(newHost(), await appBundle(fromStringsApp), "/");
    expect(out.status).toBe(200);
    for (const when of ["atLoad", "atRequest"] as const) {
      for (const name of Object.keys(FROM_STRINGS)) {
        expect(out.body[when][name], `${name} (${when})`).toMatch(
          /^refused: sandbox: (code built from strings|WebAssembly)/,
        );
      }
    }
  });

  it("cannot import a module the bundle does not own, not even through a computed import()", async () => {
    const app = `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch() {
    const names = ["cloudflare:" + "sockets", "./__aidevos" + "_guard.js", "node:" + "net"];
    const out = {};
    for (const name of names) {
      try { await import(name); out[name] = "imported"; } catch (e) { out[name] = "refused: " + e.message; }
    }
    return Response.json(out);
  }
}`;
    const out = await send(newHost(), await appBundle(app), "/");
    for (const value of Object.values(out.body)) expect(value).toMatch(/^refused: sandbox: /);
  });
});

describe("outbound allow-list", () => {
  it("refuses the global fetch() everywhere; the entry's __aidevos_outbound reaches an allow-listed origin only", async () => {
    // The guard on its own, in a Worker that has network (as on Cloudflare).
    const canary = (env as unknown as { TEST_CANARY_URL: string }).TEST_CANARY_URL;
    const key = `allow-${crypto.randomUUID()}`;
    const other = canary.replace("127.0.0.1", "localhost");
    const probe = `import { __aidevos_outbound } from "./__aidevos_guard.js";
export default {
  async fetch() {
    const out = {};
    const tries = [
      ["global", () => fetch(${JSON.stringify(`${canary}/${key}/global`)})],
      ["allowed", () => __aidevos_outbound(${JSON.stringify(`${canary}/${key}/in`)})],
      ["other", () => __aidevos_outbound(${JSON.stringify(`${other}/${key}/out`)})],
    ];
    for (const [name, send] of tries) {
      try { out[name] = "reached: " + (await send()).status; } catch (e) { out[name] = e.message; }
    }
    return Response.json(out);
  },
};`;
    const worker = env.LOADER.load({
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_als"],
      mainModule: "probe.js",
      modules: { "probe.js": probe, "__aidevos_guard.js": guardSource({ outboundOrigins: [canary] }) },
    });
    const out = await (await worker.getEntrypoint().fetch("http://probe/")).json();
    expect(out).toEqual({
      global: `outbound_blocked: fetch to ${canary} is refused: generated apps have no network access`,
      allowed: "reached: 200",
      other: `outbound_blocked: fetch to ${new URL(other).origin} is refused: it is not one of the app's outbound origins`,
    });
    expect(await (await fetch(`${canary}/__seen?key=${key}`)).json()).toEqual([`GET /${key}/in`]);
  });
});

describe("guard budgets are per request", () => {
  // Both requests go to one facet; the app's own module state lets them signal each other.
  const concurrentApp = `import { DurableObject } from "cloudflare:workers";
let signals = [];
let spun = false;
let waiting = false;
let arrivedWhileWaiting = false;
const sleep = () => new Promise((r) => setTimeout(r, 1));
function burn(n) { let x = 0; for (let i = 0; i < n; i++) x += i; return x; }
export class App extends DurableObject {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/wait") {
      // A normal request in flight while another one trips the guard.
      await new Promise((r) => signals.push(r));
      return Response.json({ ok: true });
    }
    if (path === "/trip") {
      while (signals.length === 0) await sleep();
      // Release the waiting request first: after the trip below, any loop or call here would throw.
      const release = signals[0];
      signals = [];
      release();
      try { for (;;) {} } catch {}
      return Response.json({ survived: true });
    }
    if (path === "/half") {
      // Uses about 60% of the budget, waits until another request has started (and so reset
      // its own budget), then uses 60% more: over budget only if budgets are per request.
      burn(3000000);
      waiting = true;
      while (!arrivedWhileWaiting) await sleep();
      burn(3000000);
      return Response.json({ survived: true });
    }
    if (path === "/arrive") {
      if (waiting) arrivedWhileWaiting = true;
      return Response.json({ waiting });
    }
    return new Response("no such path", { status: 404 });
  }
}`;

  it("a request that trips the guard answers 503; a concurrent normal request still answers 200", async () => {
    const host = newHost();
    const bundle = await appBundle(concurrentApp);
    const normal = send(host, bundle, "/wait");
    const spinning = send(host, bundle, "/trip");
    const [n, s] = await Promise.all([normal, spinning]);
    expect(s.status).toBe(503);
    expect(s.body.error.code).toBe("cpu_limit_exceeded");
    expect(n).toEqual({ status: 200, body: { ok: true } });
  });

  it("another request's start does not refill a running request's budget", async () => {
    const host = newHost();
    const bundle = await appBundle(concurrentApp);
    const half = send(host, bundle, "/half");
    let arrivals = 0;
    for (;;) {
      arrivals += 1;
      const arrived = await send(host, bundle, "/arrive");
      expect(arrived.status).toBe(200);
      if (arrived.body.waiting) break;
      expect(arrivals).toBeLessThan(10_000);
    }
    const out = await half;
    expect(out.status).toBe(503);
    expect(out.body.error.code).toBe("cpu_limit_exceeded");
  });
});

describe("native allocation and iteration bombs", () => {
  it("are charged to the guard: cases that fit an ordinary budget fail under a small one", async () => {
    // N = 1e6 finishes quickly without the guard; charged per element it overruns 200k ticks.
    const cases = Object.entries(BOMBS)
      .map(([name, code]) => `it(${JSON.stringify(name)}, () => { const N = 1e6; ${code}; });`)
      .join("\n");
    const tests = `import { it, expect } from "./__harness.js";\n${cases}\nit("small work still runs", () => expect([3, 1, 2].sort().join("")).toBe("123"));`;
    const files = [{ path: "bombs.test.js", role: "test" as const, content: tests }];
    const report = await runUnitTests(
      env.LOADER,
      { mainModule: "bombs.test.js", className: "App", files, hash: await bundleHash(files) },
      { budgetTicks: 200_000 },
    );
    expect(report.cases).toHaveLength(Object.keys(BOMBS).length + 1);
    for (const c of report.cases.slice(0, -1)) {
      expect(c.ok, c.name).toBe(false);
      expect(c.message, c.name).toMatch(/CPU budget exceeded|memory limit exceeded/);
    }
    expect(report.cases.at(-1)).toMatchObject({ name: "small work still runs", ok: true });
  });

  it("at full size end in a 503 JSON error, and the app serves the next request", async () => {
    const host = newHost();
    const bundle = await appBundle(bombsApp(1e9));
    const names = Object.keys(BOMBS);
    for (let i = 0; i < names.length; i++) {
      const out = await send(host, bundle, `/${i}`);
      expect(out.status, names[i]).toBe(503);
      expect(["cpu_limit_exceeded", "memory_limit_exceeded"], names[i]).toContain(out.body.error?.code);
    }
    expect(await send(host, bundle, "/ok")).toEqual({
      status: 200,
      body: { ok: true, sorted: [3, 5, 9], text: "ababab" },
    });
  });
});
