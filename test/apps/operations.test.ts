// Proves entities whose `operations` leave routes out deploy through the whole pipeline and serve exactly what they
// expose: one without `list` (the security suite used to count records through the list route and failed the run:
// "0 record(s) written, but only 3 … answered 201"), and one with no routes at all that an action uses.
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

describe("entities with operations left out", () => {
  it("deploy, and serve only the routes their operations keep", async () => {
    const name = uniqueName("ops");
    const run = await waitForRun(
      (
        await startRun({
          request: "notes without a list",
          spec: {
            name,
            entities: [
              {
                name: "note",
                plural: "notes",
                operations: ["create", "get", "delete"],
                fields: { text: { type: "string", required: true } },
              },
              { name: "hit", plural: "hits", operations: [], fields: { at: { type: "string" } } },
            ],
            actions: [
              {
                name: "hit",
                method: "POST",
                path: "/hit",
                code: "export default async (req, ctx) => { await ctx.entities.hits.create({ at: 'now' }); const { items } = await ctx.entities.hits.list({}); return { hits: items.length }; };\n",
              },
            ],
          },
        })
      ).id,
    );
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const note = await json(await api(`/apps/${name}/notes`, { method: "POST", json: { text: "kept" } }));
    expect((await api(`/apps/${name}/notes/${note.id}`)).status).toBe(200);
    expect([404, 405]).toContain((await api(`/apps/${name}/notes`)).status);
    expect([404, 405]).toContain((await api(`/apps/${name}/hits`)).status);
    expect(await json(await api(`/apps/${name}/hit`, { method: "POST", json: {} }))).toEqual({ hits: 1 });
  });
});
