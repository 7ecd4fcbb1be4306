// Proves the v3 schema for accounts, ownership and modules: the new members parse with their bounds,
// reserved names (plurals auth and files, the field ownerId, account fields) and action paths under
// /auth/ are refused, owned entities need accounts, module imports are only `./<module>.js` of the spec
// with no cycles (refused at POST /v1/runs with validation_failed naming the modules), and modules run
// in the sandbox, imported by actions and by each other.
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, uniqueName } from "../support/api";
import { hostApp } from "../support/app-host";

const base: AppSpecInput = {
  name: "mods",
  accounts: {},
  entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string" } } }],
};

function problems(input: unknown): string[] {
  const parsed = AppSpec.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const mod = (name: string, code: string) => ({ name, code });
const act = (name: string, code: string) => ({ name, method: "GET" as const, path: `/${name}`, code });

describe("v3 schema: accounts, ownership, modules", () => {
  it("takes accounts with their bounds, owner and read", () => {
    expect(problems(base)).toEqual([]);
    expect(
      problems({
        ...base,
        accounts: {
          signup: "closed",
          minPasswordLength: 128,
          sessionDays: 365,
          fields: { handle: { type: "string", unique: true }, level: { type: "enum", values: ["a"], unique: false } },
        },
        entities: [{ ...base.entities![0]!, read: "public" }],
      }),
    ).toEqual([]);
    for (const accounts of [
      { signup: "maybe" },
      { minPasswordLength: 7 },
      { minPasswordLength: 129 },
      { sessionDays: 0 },
      { sessionDays: 366 },
      { fields: { tags: { type: "ref", entity: "note" } } },
      { fields: { email: { type: "string" } } },
      { fields: { password: { type: "string" } } },
      { other: true },
    ])
      expect(problems({ ...base, accounts }), JSON.stringify(accounts)).not.toEqual([]);
    expect(problems({ ...base, accounts: undefined })).toEqual([
      'entities.0.owner: an owned entity needs "accounts" in the spec (its owners are the app\'s users)',
    ]);
    expect(problems({ ...base, entities: [{ name: "n", plural: "ns", read: "public", fields: {} }] })).toHaveLength(1);
    expect(problems({ ...base, entities: [{ name: "n", plural: "ns", owner: "admin", fields: {} }] })).not.toEqual([]);
  });

  it("refuses the reserved plurals auth and files, the field ownerId, and action paths under /auth/", () => {
    for (const plural of ["auth", "files"])
      expect(problems({ ...base, entities: [{ name: "x", plural, fields: {} }] })).toEqual([
        "entities.0.plural: plural repeats or is reserved",
      ]);
    expect(
      problems({ ...base, entities: [{ name: "x", plural: "xs", fields: { ownerId: { type: "string" } } }] }),
    ).toHaveLength(1);
    for (const path of ["/auth", "/auth/login", "/auth/:x"])
      expect(
        problems({ ...base, actions: [{ name: "a", method: "GET", path, code: "export default () => 1;" }] }),
      ).toEqual([`actions.0.path: ${path} is reserved: the app's accounts live under /auth/`]);
    expect(
      problems({ ...base, actions: [{ name: "a", method: "GET", path: "/authors", code: "export default () => 1;" }] }),
    ).toEqual([]);
  });

  it("allows only ./<module>.js imports of the spec's modules, without cycles, naming the modules", () => {
    const ok = {
      ...base,
      modules: [
        mod("util", "export const two = 2;"),
        mod("math-x", 'import { two } from "./util.js"; export const four = two * 2;'),
      ],
      actions: [act("four", 'import { four } from "./math-x.js"; export default () => ({ four });')],
    };
    expect(problems(ok)).toEqual([]);
    expect(problems({ ...ok, modules: [...ok.modules, mod("Bad", "export {}")] })).toHaveLength(1);
    expect(problems({ ...ok, modules: [...ok.modules, mod("util", "export {}")] })).toEqual([
      "modules.2.name: repeats",
    ]);
    for (const specifier of ["./nope.js", "util.js", "./util", "../util.js", "cloudflare:workers", "node:fs"])
      expect(
        problems({ ...ok, actions: [act("x", `import * as m from "${specifier}"; export default () => m;`)] }),
        specifier,
      ).toHaveLength(1);
    expect(
      problems({ ...ok, actions: [act("x", 'export default async () => (await import("./" + "util.js")).two;')] }),
    ).toHaveLength(1);
    expect(problems({ ...ok, actions: [act("x", 'export { two as default } from "./util.js";')] })).toEqual([]);
    const cycle = problems({
      ...base,
      modules: [
        mod("a", 'import { b } from "./b.js"; export const a = 1;'),
        mod("b", 'import { c } from "./c.js"; export const b = 1;'),
        mod("c", 'import { a } from "./a.js"; export const c = 1;'),
        mod("d", 'import { d2 } from "./d.js"; export const d = 1;'),
      ],
    });
    expect(cycle).toEqual(["modules.0.code: import cycle: a → b → c → a", "modules.3.code: import cycle: d → d"]);
    // A module may not share an action's name: both would be actions/<name>.js.
    expect(problems({ ...ok, modules: [...ok.modules, mod("four", "export {}")] })).toHaveLength(1);
  });

  it("refuses a cycle at POST /v1/runs with validation_failed naming the modules", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "cycle",
        spec: {
          name: uniqueName("cycle"),
          entities: [],
          modules: [mod("ping", 'import "./pong.js"; export const x = 1;'), mod("pong", 'import "./ping.js";')],
        },
      },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("validation_failed");
    expect(JSON.stringify(body.error.details)).toContain("ping → pong → ping");
  });

  it("runs modules in the sandbox, imported by actions and by each other", async () => {
    const app = await hostApp({
      name: "mods",
      entities: [],
      modules: [
        mod("tokens", 'import { prefix } from "./words.js"; export const make = (n) => prefix + String(n * 2);'),
        mod("words", 'export const prefix = "t-";'),
      ],
      actions: [act("make", 'import { make } from "./tokens.js"; export default async () => ({ token: make(21) });')],
    });
    const res = await app.send("GET", "/make");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: "t-42" });
  });
});
