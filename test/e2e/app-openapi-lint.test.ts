// Proves every acceptance case's app has a lint-clean OpenAPI document: Redocly's `recommended`
// ruleset reports zero errors on `appContract(spec)` for each case of ../shared/bench/cases and
// test/acceptance/cases (the gateway serves exactly this function's output: test/apps/openapi.test.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { appContract, type ContractSpec } from "../../packages/core/src/contract";
import { lint } from "./openapi-linter";

const ROOT = resolve(__dirname, "../..");
const DIRS = [resolve(ROOT, "../shared/bench/cases"), resolve(ROOT, "test/acceptance/cases")];
const cases = DIRS.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(dir, f))
    : [],
);

/** Every feature a document can describe at once: app keys, channels, counters, a rate limit, refs, enums, perKey. */
const EVERYTHING: ContractSpec = {
  name: "everything",
  partition: "perKey",
  access: "key",
  rateLimit: { requests: 5, windowSeconds: 60 },
  counters: [{ name: "visits" }],
  channels: [{ name: "room" }, { name: "lobby", onMessage: "say" }],
  entities: [
    { name: "cart", plural: "carts", fields: { owner: { type: "string", required: true } } },
    {
      name: "item",
      plural: "items",
      fields: {
        cartId: { type: "ref", entity: "cart", required: true, onDelete: "cascade" },
        sku: { type: "string", required: true, pattern: "^[A-Z0-9-]{3,20}$" },
        qty: { type: "integer", min: 0, default: 1 },
        status: { type: "enum", values: ["open", "closed"], default: "open" },
        due: { type: "datetime" },
      },
      unique: [["cartId", "sku"]],
      sortable: ["qty"],
      operations: ["create", "get", "list"],
    },
  ],
  actions: [
    {
      name: "cartTotal",
      method: "GET",
      path: "/carts/:cart/total",
      description: "Sum over the cart's items",
      examples: [{ path: "/carts/{{cart}}/total", status: 200, json: { total: 0 } }],
    },
    { name: "say", method: "POST", path: "/say", examples: [{ method: "POST", path: "/say", body: { text: "hi" } }] },
    { name: "patchCart", method: "PATCH", path: "/carts/:slug", description: "shadows the entity's update" },
    // Named like the entity's list operation: ids stay unique.
    { name: "listItem", method: "GET", path: "/items/:id/history" },
  ],
};

describe("the OpenAPI document of every acceptance case", () => {
  it("documents app keys, channels and counters lint-clean", async () => {
    const doc = appContract(EVERYTHING, { serverUrl: "http://127.0.0.1:8787/apps/everything/k/{key}" });
    expect(doc.security).toEqual([{ appKey: [] }]);
    expect(Object.keys(doc.paths["/channels/room"]!.get as object)).toContain("responses");
    expect(Object.keys((doc.paths["/channels/room"]!.get as { responses: object }).responses)).toEqual(
      expect.arrayContaining(["101", "426", "404", "401", "429"]),
    );
    // One spelling per path shape: the action's PATCH sits on the entity's /carts/{id}.
    expect(doc.paths["/carts/{id}"]).toHaveProperty("patch");
    expect((await lint(doc)).errors).toEqual([]);
  });

  it("finds the cases", () => expect(cases.length).toBeGreaterThanOrEqual(8));
  for (const file of cases) {
    it(`${file.slice(ROOT.length - 4)} lints with zero errors`, async () => {
      // `entities` as the schema defaults it: a case with actions only leaves it out. (Not AppSpec.parse:
      // some cases hold placeholders, such as {{upstream}}, that the runner fills in.)
      const raw = JSON.parse(readFileSync(file, "utf8")).spec as ContractSpec;
      const spec = { ...raw, entities: raw.entities ?? [] };
      const base = spec.partition === "perKey" ? `/apps/${spec.name}/k/demo` : `/apps/${spec.name}`;
      const { errors, warnings } = await lint(
        appContract(spec, { serverUrl: `http://127.0.0.1:8787${base}`, version: 1 }),
      );
      if (warnings.length) console.info(`${spec.name}: ${warnings.length} warnings\n${warnings.join("\n")}`);
      expect(errors).toEqual([]);
    });
  }
});
