// Proves every name the AppSpec schema accepts deploys and serves, and that names which would not survive are
// refused first: `__proto__`, `constructor` and the other names every JavaScript object has answer 400
// `validation_failed` at POST /v1/runs wherever a spec names something (a `__proto__` field used to be accepted and
// then vanish from the deployed spec), and the longest entity and field names the schema allows (63 characters; one
// used to crash the app at start with "LIKE or GLOB pattern too complex") deploy, create, sort and list.
import { describe, expect, it } from "vitest";
import { api, errorPaths, json, startRun, uniqueName, waitForRun } from "../support/api";

const field = { title: { type: "string" } };

describe("names that would not survive", () => {
  const refused: [string, (name: string) => unknown][] = [
    [
      "a field named __proto__",
      (name) => ({
        name,
        entities: [{ name: "t", plural: "ts", fields: JSON.parse('{"__proto__":{"type":"string"}}') }],
      }),
    ],
    [
      "a field named constructor",
      (name) => ({ name, entities: [{ name: "t", plural: "ts", fields: { constructor: { type: "string" } } }] }),
    ],
    [
      "an entity named hasOwnProperty",
      (name) => ({ name, entities: [{ name: "hasOwnProperty", plural: "ts", fields: field }] }),
    ],
    [
      "a plural named constructor",
      (name) => ({ name, entities: [{ name: "t", plural: "constructor", fields: field }] }),
    ],
    ["a counter named toString", (name) => ({ name, counters: [{ name: "toString" }] })],
    [
      "an action named valueOf",
      (name) => ({
        name,
        actions: [{ name: "valueOf", method: "GET", path: "/v", code: "export default async () => 1;" }],
      }),
    ],
  ];
  for (const [what, spec] of refused) {
    it(`refuses ${what} with validation_failed`, async () => {
      // JSON.parse made `__proto__` an own key above, so the text sent carries it.
      const text = JSON.stringify({ request: "names", spec: spec(uniqueName("names")) });
      const res = await api("/v1/runs", {
        method: "POST",
        body: text,
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error.code).toBe("validation_failed");
      expect(errorPaths(body).some((p) => p.startsWith("spec."))).toBe(true);
    });
  }
});

describe("the longest names the schema accepts", () => {
  it("deploy and serve: a 63-character entity and field, sorted and listed", async () => {
    const name = uniqueName("long-names");
    const entity = `e${"n".repeat(62)}`;
    const longField = `f${"x".repeat(62)}`;
    const run = await waitForRun(
      (
        await startRun({
          request: "long names",
          spec: {
            name,
            entities: [
              {
                name: entity,
                plural: `p${"l".repeat(62)}`,
                fields: { [longField]: { type: "integer" } },
                sortable: [longField],
                unique: [longField],
              },
            ],
          },
        })
      ).id,
    );
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const base = `/apps/${name}/p${"l".repeat(62)}`;
    for (const n of [2, 1]) expect((await api(base, { method: "POST", json: { [longField]: n } })).status).toBe(201);
    const list = await json(await api(`${base}?sort=${longField}`));
    expect(list.items.map((r: Record<string, number>) => r[longField])).toEqual([1, 2]);
  });
});
