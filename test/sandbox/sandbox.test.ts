// Proves the sandbox contains generated code: endless loops and runaway recursion stopped, no network (probed against a
// listening server), imports limited to the bundle, behaviour kept, policy enforced.

import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle, type GeneratedFile } from "@aidevos/core";
import { instrumentModule, runUnitTests, SandboxCodeError, scanSource } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";

async function bundle(files: GeneratedFile[]): Promise<CodeBundle> {
  return { mainModule: files[0]!.path, className: "App", files, hash: await bundleHash(files) };
}

const SPINNERS: Record<string, string> = {
  "while (true)": "while (true) {}",
  "for (;;);": "for (;;);",
  "do while": "do { n++; } while (1);",
  "for-of over an endless generator": "function* g() { for (let i = 0; ; i++) yield i; } for (const x of g()) n += x;",
  "exponential recursion": "function fib(k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); } fib(80);",
  "a try/catch swallowing errors inside the loop": "while (true) { try { n++; } catch { } }",
  "catch outside, loop again": "for (;;) { try { while (true) {} } catch (e) { n++; } }",
  "arrow recursion": "const f = (k) => f(k + 1) + f(k + 2); f(0);",
  "an async loop with awaits": "while (true) { await null; }",
};

describe("guards against spinning code", () => {
  it("stops every kind of endless loop and keeps running the next test", async () => {
    const cases = Object.entries(SPINNERS)
      .map(([name, body]) => `it(${JSON.stringify(name)}, async () => { let n = 0; ${body} });`)
      .join("\n");
    const tests = `import { it, expect } from "./__harness.js";\n${cases}\nit("still runs after", () => expect(1 + 1).toBe(2));`;
    const report = await runUnitTests(
      env.LOADER,
      await bundle([{ path: "spin.test.js", role: "test", content: tests }]),
    );
    expect(report.cases).toHaveLength(Object.keys(SPINNERS).length + 1);
    for (const c of report.cases.slice(0, -1)) {
      expect(c.ok, c.name).toBe(false);
      // Unbounded depth ends in V8's own stack limit first; everything else in the guard.
      expect(c.message, c.name).toMatch(c.name === "arrow recursion" ? /Maximum call stack/ : /CPU budget exceeded/);
    }
    expect(report.cases.at(-1)).toMatchObject({ name: "still runs after", ok: true });
  });

  it("stops an app that loops forever with a 503, and serves the next request", async () => {
    const app = `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch(request) {
    if (new URL(request.url).pathname === "/spin") { let i = 0; while (true) { i++; } }
    return Response.json({ ok: true });
  }
}`;
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`spin:${crypto.randomUUID()}`));
    const b = await bundle([{ path: "app.js", role: "source", content: app }]);
    const spun = await host.serveBundle(new Request("http://app/spin"), b);
    expect(spun.status).toBe(503);
    expect(((await spun.json()) as any).error.code).toBe("cpu_limit_exceeded");
    const after = await host.serveBundle(new Request("http://app/ok"), b);
    expect(await after.json()).toEqual({ ok: true });
  });

  it("gives an app no network: fetch() to a listening server is refused inside the sandbox", async () => {
    const canary = (env as unknown as { TEST_CANARY_URL: string }).TEST_CANARY_URL;
    const key = `sandbox-net-${crypto.randomUUID()}`;
    const app = `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch() {
    try {
      const res = await fetch(${JSON.stringify(`${canary}/${key}/exfiltrate`)});
      return new Response("reached the network: " + res.status);
    } catch (err) {
      return new Response("blocked: " + err.message, { status: 502 });
    }
  }
}`;
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`net:${crypto.randomUUID()}`));
    const res = await host.serveBundle(
      new Request("http://app/"),
      await bundle([{ path: "app.js", role: "source", content: app }]),
    );
    expect(await res.text()).toBe(
      `blocked: outbound_blocked: fetch to ${canary} is refused: generated apps have no network access`,
    );
    expect(res.status).toBe(502);
    expect(await (await fetch(`${canary}/__seen?key=${key}`)).json()).toEqual([]);
    // The server is really there: plain test code reaches it.
    expect(await (await fetch(`${canary}/${key}-control`)).text()).toBe("canary reached");
  });

  it("reports a syntax error, a throwing import and a loop at module load as failed runs", async () => {
    const variants: [string, string, RegExp][] = [
      ["syntax", "it('x', () => { ", /Unexpected token|Unexpected end/],
      [
        "throws",
        "import { it } from './__harness.js'; throw new Error('boom at import'); it('x', () => {});",
        /boom at import/,
      ],
      ["loops", "import { it } from './__harness.js'; while (true) {} it('x', () => {});", /CPU budget exceeded/],
    ];
    for (const [name, content, error] of variants) {
      const report = await runUnitTests(env.LOADER, await bundle([{ path: `${name}.test.js`, role: "test", content }]));
      expect(report.ok, name).toBe(false);
      expect(report.error, name).toMatch(error);
    }
  });
});

describe("instrumentation", () => {
  const program = `class Base { constructor(n) { this.n = n; } get double() { return this.n * 2; } }
class Child extends Base { constructor(n) { super(n + 1); this.tag = "c"; } sum(xs) { return xs.reduce((a, b) => a + b, this.n); } }
function* range(n) { for (let i = 0; i < n; i++) yield i; }
const squares = [...range(6)].map((x) => x * x);
let labelled = 0;
outer: for (let i = 0; i < 5; i++) { for (let j = 0; j < 5; j++) { if (j === 3) continue outer; if (i === 4) break outer; labelled += i * j; } }
let w = 0; while (w < 10) w += 3;
let d = 0; do d++; while (d < 4);
const keys = []; for (const k in { a: 1, b: 2 }) keys.push(k);
const make = () => ({ value: 7 });
const closure = ((base) => (x) => base + x)(10);
async function later(x) { await null; return x * 3; }
class List extends Array {}
// Built-ins the guard wraps or replaces must mean what they meant.
const builtins = {
  sorted: [3, 1, 10, 2].sort(), joined: [1, [2, 3]].join("-"), text: String([1, 2]), from: Array.from("abc"),
  fromLike: Array.from({ length: 3 }, (_, i) => i * 2), typed: Array.from(new Uint8Array([1, 2, 3]).map((x) => x * 2)),
  flat: [1, [2, [3]]].flat(2), spliced: [1, 2, 3, 4].splice(1, 2), concat: [1].concat([2], 3), filled: new Array(3).fill(7),
  isArray: Array.isArray(new Array(3)), ctor: [].constructor === Array, typedInstance: new Uint8Array(2) instanceof Uint8Array,
  fnInstance: (() => 1) instanceof Function, asyncInstance: (async () => 1) instanceof Function,
  padded: "7".padStart(3, "0"), repeated: "ab".repeat(2), split: "a,b".split(","), blob: new Blob(["ab", "c"]).size,
  subclass: List.from([1, 2]) instanceof List, buffer: new ArrayBuffer(8).slice(2).byteLength,
  destructured: (([a, ...rest]) => a + rest.length)([5, 6, 7]), spreadText: [..."héllo"].length,
};
export default {
  async fetch() {
    const c = new Child(4);
    return Response.json({ squares, labelled, w, d, keys, obj: make(), closure: closure(5), sum: c.sum([1, 2, 3]), double: c.double, tag: c.tag, later: await later(4), builtins });
  },
};`;

  it("keeps the program's meaning", async () => {
    const run = async (modules: Record<string, string>) => {
      const worker = env.LOADER.load({
        compatibilityDate: "2026-11-01",
        mainModule: "main.js",
        modules,
        globalOutbound: null,
      });
      return (await worker.getEntrypoint().fetch("http://x/")).json();
    };
    const { GUARD_SOURCE } = await import("../../packages/sandbox/src/guard");
    const plain = await run({ "main.js": program });
    const guarded = await run({ "main.js": instrumentModule(program, "main.js"), "__aidevos_guard.js": GUARD_SOURCE });
    expect(guarded).toEqual(plain);
    expect(plain).toMatchObject({
      builtins: { sorted: [1, 10, 2, 3], subclass: true, fnInstance: true, ctor: true, blob: 3 },
      squares: [0, 1, 4, 9, 16, 25],
      w: 12,
      d: 4,
      keys: ["a", "b"],
      closure: 15,
      sum: 11,
      double: 10,
      later: 12,
    });
  });

  it("refuses imports from outside the bundle and checks dynamic import() at run time", () => {
    expect(() => instrumentModule('import { connect } from "cloudflare:sockets";', "a.js")).toThrow(
      /a\.js:1:\d+: import of "cloudflare:sockets" is refused/,
    );
    expect(() => instrumentModule('export * from "node:net";', "a.js")).toThrow(/import of "node:net" is refused/);
    expect(() => instrumentModule('import { x } from "./__aidevos_guard.js";', "a.js")).toThrow(/is refused/);
    expect(() => instrumentModule("__aidevos_tick = () => {};", "a.js")).toThrow(/belong to the sandbox/);
    const ok = instrumentModule(
      'import { DurableObject } from "cloudflare:workers";\nimport { a } from "./lib/a.js";\nconst m = import(name);',
      "a.js",
    );
    expect(ok).toContain("import(__aidevos_specifier(name))");
  });

  it("keeps line numbers and names the file and line of a syntax error", () => {
    const out = instrumentModule("const a = 1;\nfunction f() {\n  return a;\n}\n", "m.js");
    expect(out.split("\n")).toHaveLength(5);
    expect(out.split("\n")[2]).toBe("  return a;");
    expect(() => instrumentModule("const = 1;", "bad.js")).toThrow(SandboxCodeError);
    expect(() => instrumentModule("let x = 1;\nlet = = 2;", "bad.js")).toThrow(/bad\.js:2:/);
  });
});

describe("policy scan", () => {
  const scan = (content: string) => scanSource([{ path: "a.js", role: "source", content }]).map((f) => f.rule);

  it("flags forbidden APIs, network calls, sandbox names and secrets", () => {
    expect(scan("eval('1+1');")).toContain("forbidden-eval");
    expect(scan("const f = new Function('return 1');")).toContain("forbidden-function-constructor");
    expect(scan("Function('return 1')();")).toContain("forbidden-function-constructor");
    expect(scan("const m = await import('./x.js');")).toContain("forbidden-dynamic-import");
    expect(scan("await fetch('https://evil.example');")).toContain("network-fetch");
    expect(scan("await globalThis.fetch('x');")).toContain("network-fetch");
    expect(scan("connect('db:5432');")).toContain("network-connect");
    expect(scan("WebAssembly.compile(bytes);")).toContain("forbidden-wasm");
    expect(scan('import { connect } from "cloudflare:sockets";')).toContain("forbidden-import");
    expect(scan("__aidevos_reset();")).toContain("reserved-identifier");
    expect(scan("import { x } from './__aidevos_guard.js';")).toContain("reserved-identifier");
    expect(scan(`const key = "sk-ant-api03-${"a".repeat(30)}";`)).toContain("secret-anthropic-key");
    expect(scan('const apiKey = "ZXhhbXBsZXNlY3JldHRva2VuMTIzNDU2";')).toContain("secret-assignment");
    expect(scan("-----BEGIN RSA PRIVATE KEY-----")).toEqual(expect.arrayContaining(["secret-private-key"]));
    expect(scan("function (")).toContain("syntax-error");
  });

  it("leaves harmless look-alikes alone", () => {
    expect(scan('const message = "do not eval this"; const fetchCount = 1; obj.eval = 2;')).toEqual([]);
    expect(scan("const stub = env.APP.get(id); await stub.fetch(request);")).toEqual([]);
    expect(scan("const token = req.headers.get('x-token');")).toEqual([]);
  });

  it("passes the compiler's own output", async () => {
    const app = await hostApp({
      name: "clean",
      entities: [{ name: "a", plural: "as", fields: { x: { type: "string" } } }],
    });
    expect(scanSource(app.bundle.files)).toEqual([]);
  });
});
