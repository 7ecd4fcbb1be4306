// Proves regular expressions in sandboxed code run in linear time: a catastrophic pattern in an action
// answers at once over real HTTP (and /healthz with it), every RegExp method keeps V8's meaning on
// the RE2 engine, V8's own matcher cannot be reached again, and code whose regex needs backtracking
// is refused at POST /v1/runs (literals) or when the RegExp is made (built from a string).
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { guardModules, instrumentModule } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

/** Runs one module plainly (V8's engine) and in the sandbox (guard, engine, instrumented), answering its JSON. */
async function runBoth(program: string, plainly = true) {
  const load = (modules: Record<string, string>, mainModule: string) =>
    env.LOADER.load({
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_als"],
      mainModule,
      modules,
      globalOutbound: null,
    });
  const answer = async (worker: ReturnType<typeof load>) => (await worker.getEntrypoint().fetch("http://x/")).json();
  const entry = `import "./__aidevos_guard.js";\nimport "./__aidevos_re2.js";\nexport { default } from "./main.js";`;
  // Never plainly for a catastrophic pattern: V8 would hold workerd for minutes.
  const plain = plainly ? await answer(load({ "main.js": program }, "main.js")) : null;
  const guarded = await answer(
    load({ "entry.js": entry, "main.js": instrumentModule(program, "main.js"), ...guardModules() }, "entry.js"),
  );
  return { plain, guarded };
}

const SEMANTICS = `export default {
  fetch() {
    const s = "The year 2024-05-06, then 1999-12-31; café ÉTÉ\\nnext line";
    const date = /(?<y>\\d{4})-(?<m>\\d{2})-(?<d>\\d{2})/g;
    const out = {
      test: [/\\d+/.test(s), /^next/m.test(s), /^next/.test(s), /CAFÉ/i.test(s), /line$/.test(s)],
      exec: /(\\d{4})-(\\d\\d)/.exec(s),
      execIndex: /(\\d{4})-(\\d\\d)/.exec(s).index,
      groups: { ...s.match(/(?<y>\\d{4})-(?<m>\\d{2})/).groups },
      matchGlobal: s.match(/\\d+/g),
      matchNone: s.match(/zzz/g),
      matchAll: [...s.matchAll(date)].map((m) => [m[0], m.index, m.groups.y]),
      replace: s.replace(/(\\d{4})-(\\d{2})-(\\d{2})/g, "$3/$2/$1 [$&] $$"),
      replaceNamed: s.replace(date, "$<d>.$<m>.$<y>"),
      replaceFn: s.replace(/\\d+/g, (m, at) => "<" + m.length + "@" + at + ">"),
      replaceAll: "a.b.c".replaceAll(/\\./g, "-"),
      replaceEmpty: "abc".replace(/x*/g, "-"),
      search: [s.search(/\\d/), s.search(/zzz/)],
      split: ["a, b,c ,d".split(/\\s*,\\s*/), "abc".split(/(?:)/), "a1b2c3".split(/(\\d)/), "a1b2c3".split(/\\d/, 2), "".split(/x/), "".split(/(?:)/)],
      sticky: (() => { const r = /a/y; r.lastIndex = 1; return [r.test("ba"), r.lastIndex, r.test("ba"), r.lastIndex]; })(),
      lastIndex: (() => { const r = /o/g; const seen = []; while (r.exec("foo boo")) seen.push(r.lastIndex); return seen; })(),
      dotAll: [/a.b/s.test("a\\nb"), /a.b/.test("a\\nb")],
      unicode: "😀x😀".split(/(?:)/u).length,
      ctor: [new RegExp("b+", "g").exec("abbbc")[0], RegExp("c").source, /x/.constructor === RegExp, new RegExp(/ab/g).flags],
      stringMatch: ["a+b".match("\\\\+") !== null, "xyz".search("y")],
      indices: /(b)(c)?/d.exec("abc").indices.map((p) => p && [...p]),
    };
    return Response.json(out);
  },
};`;

function actionSpec(name: string, code: string): AppSpecInput {
  return { name, partition: "single", entities: [], actions: [{ name: "probe", method: "GET", path: "/probe", code }] };
}

describe("linear-time regular expressions", () => {
  it("keep V8's meaning for test, exec, match, matchAll, replace, search and split", async () => {
    const { plain, guarded } = await runBoth(SEMANTICS);
    expect(guarded).toEqual(plain);
    expect((plain as { replace: string }).replace).toContain("06/05/2024 [2024-05-06] $");
  });

  it("a catastrophic pattern in an action answers at once over HTTP, and /healthz answers beside it", async () => {
    const name = uniqueName("redos");
    const code = `export default async () => {
      const started = Date.now();
      const evil = /^(a+)+$/;
      const input = "a".repeat(32) + "!";
      return { test: evil.test(input), match: input.match(/^(a|aa)+$/), replaced: input.replace(/(a*)*b/, "x").length, split: input.split(/(a+)+!/).length };
    };`;
    const run = await waitForRun((await startRun({ request: "r", spec: actionSpec(name, code) })).id);
    expect(run.status).toBe("succeeded");
    const [action, health] = await Promise.all([api(`/apps/${name}/probe`), api("/healthz")]);
    expect(health.status).toBe(200);
    expect(action.status).toBe(200);
    expect(await json(action)).toEqual({ test: false, match: null, replaced: 33, split: 3 });
  });

  it("cannot reach V8's backtracking matcher again: not by deleting exec, a null prototype or a species", async () => {
    const probe = `export default {
      fetch() {
        const out = {};
        const tries = {
          deleteExec: () => { delete RegExp.prototype.exec; return "deleted"; },
          assignExec: () => { RegExp.prototype.exec = null; return "assigned"; },
          nullProto: () => { const r = /^(a+)+$/; Object.setPrototypeOf(r, null); return RegExp.prototype.test.call(r, "a".repeat(32) + "!"); },
          symbolMatch: () => { const r = /^(a+)+$/; Object.setPrototypeOf(r, null); return RegExp.prototype[Symbol.match].call(r, "a".repeat(32) + "!"); },
          species: () => { const r = /^(a+)+$/g; r.constructor = { [Symbol.species]: function () { const x = /^(a+)+$/g; Object.setPrototypeOf(x, null); return x; } }; return [..."a".repeat(32).concat("!").matchAll(r)].length; },
        };
        for (const [name, run] of Object.entries(tries)) {
          try { out[name] = run(); } catch (e) { out[name] = e.name + ": " + e.message; }
        }
        return Response.json(out);
      },
    };`;
    const { guarded } = await runBoth(probe, false);
    expect(guarded).toEqual({
      deleteExec: expect.stringMatching(/^TypeError/),
      assignExec: expect.stringMatching(/^TypeError/),
      nullProto: false,
      symbolMatch: null,
      species: 0,
    });
  });

  it("refuses at POST /v1/runs an action whose regex literal needs backtracking, saying why", async () => {
    for (const [code, shape] of [
      ["export default async () => /(a)\\1/.test('aa');", "backreference"],
      ["export default async () => /foo(?=bar)/.test('foobar');", "lookahead"],
      ["export default async () => new RegExp('(?<!x)y').test('y');", "lookbehind"],
    ] as const) {
      const res = await api("/v1/runs", {
        method: "POST",
        json: { request: "r", spec: actionSpec(uniqueName("bt"), code) },
      });
      const body = await json(res);
      expect(res.status, code).toBe(400);
      expect(body.error.code).toBe("validation_failed");
      expect(JSON.stringify(body.error.details)).toMatch(new RegExp(`${shape}.*needs a backtracking engine`));
    }
    const withModule = {
      ...actionSpec(uniqueName("btm"), "export default async () => ({ ok: true });"),
      modules: [{ name: "words", code: "export const twice = (s) => /(\\w+) \\1/.test(s);" }],
    };
    const res = await api("/v1/runs", { method: "POST", json: { request: "r", spec: withModule } });
    expect(res.status).toBe(400);
    expect(JSON.stringify((await json(res)).error.details)).toMatch(
      /module words: .*backreference.*needs a backtracking engine/,
    );
  });

  it("refuses a RegExp built at run time that needs backtracking when it is made", async () => {
    const probe = `export default {
      fetch() {
        const pattern = ["(a)", "\\\\1"].join("");
        try { new RegExp(pattern); return Response.json({ made: true }); } catch (e) { return Response.json({ error: e.name + ": " + e.message }); }
      },
    };`;
    const { guarded } = await runBoth(probe);
    expect((guarded as { error: string }).error).toMatch(
      /^SyntaxError: sandbox: the regular expression \/\(a\)\\1\/ needs a backtracking engine/,
    );
  });
});
