// Proves each deployed app's contract: the gateway serves `GET /apps/{name}/openapi.json` (and under
// `/k/{key}` with that server URL) as exactly `appContract` of the live spec, and `/docs` beside it,
// without the app's code ever seeing those paths (which no spec may take); and the contract diff gates
// deploys: a redeploy that removes a field fails with `breaking_change` and the list, deploys with
// `options.allowBreaking`, and adding an optional field deploys with the diff in the run's tests, its
// events and `GET /v1/apps/{name}/versions/{v}/contract`.
import { AppSpec, type AppSpecInput, appContract, type Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const run = async (spec: AppSpecInput, options?: Record<string, unknown>): Promise<Run> =>
  waitForRun((await startRun({ request: "serve it", spec, ...(options ? { options } : {}) })).id, 40_000);

function notes(name: string, fields: Record<string, unknown>, extra: Partial<AppSpecInput> = {}): AppSpecInput {
  return {
    name,
    partition: "single",
    entities: [
      { name: "note", plural: "notes", fields: fields as never, ...("stars" in fields ? { sortable: ["stars"] } : {}) },
    ],
    ...extra,
  };
}
const text = { type: "string", required: true, maxLength: 200 };
const stars = { type: "integer", min: 0, max: 5, default: 0 };

describe("the app's OpenAPI document", () => {
  it("is appContract of the live spec, at the app's base and served by the gateway", async () => {
    const name = uniqueName("oas");
    const spec = notes(name, { text, stars }, { counters: [{ name: "views" }] });
    spec.actions = [
      {
        name: "top",
        method: "GET",
        path: "/top",
        description: "The best note",
        code: "export default async (req, ctx) => ({ top: null });",
        examples: [{ path: "/top", status: 200, json: { top: null } }],
      },
    ];
    expect((await run(spec)).status).toBe("succeeded");
    const res = await api(`/apps/${name}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc).toEqual(
      appContract(AppSpec.parse(spec), { serverUrl: `http://gateway.test/apps/${name}`, version: 1 }),
    );
    expect(Object.keys(doc.paths).sort()).toEqual(
      ["/counters/views", "/counters/views/increment", "/notes", "/notes/{id}", "/notes/{id}/increment", "/top"].sort(),
    );
    const list = doc.paths["/notes"].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(
      expect.arrayContaining(["limit", "cursor", "sort", "text", "stars", "stars[gte]", "stars[lt]"]),
    );
    expect(doc.components.schemas.NoteCreate.required).toEqual(["text"]);
    expect(doc.components.schemas.NoteCreate.properties.stars).toMatchObject({ minimum: 0, maximum: 5, default: 0 });
    expect(doc.components.schemas.NotePatch.required).toBeUndefined();
    expect(doc.paths["/top"].get.responses["200"].content["application/json"].examples.example1.value).toEqual({
      top: null,
    });
    const page = await api(`/apps/${name}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('fetch("openapi.json")');
  });

  it("names the key in a perKey app's server URL, and 404s for an app that is not deployed", async () => {
    const name = uniqueName("oaskey");
    expect((await run(notes(name, { text }, { partition: "perKey" }))).status).toBe("succeeded");
    const keyed = await json(await api(`/apps/${name}/k/team-1/openapi.json`));
    expect(keyed.servers).toEqual([
      { url: `http://gateway.test/apps/${name}/k/team-1`, description: `the live ${name}` },
    ]);
    const root = await json(await api(`/apps/${name}/openapi.json`));
    expect(root.servers[0].url).toBe(`http://gateway.test/apps/${name}/k/{key}`);
    expect((await api(`/apps/${name}/k/team-1/docs`)).status).toBe(200);
    // The app still answers its own routes under the same key.
    expect((await api(`/apps/${name}/k/team-1/notes`)).status).toBe(200);
    for (const path of ["/apps/never-deployed-x/openapi.json", "/apps/never-deployed-x/docs"]) {
      const res = await api(path);
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe("not_found");
    }
  });

  it("refuses a spec that would take the reserved paths, naming where", async () => {
    const name = uniqueName("oasres");
    const action = { name: "doc", method: "GET", path: "/openapi.json", code: "export default async () => ({})" };
    const taken = [
      [{ ...notes(name, { text }), actions: [action] }, "spec.actions.0.path"],
      [{ ...notes(name, { text }), actions: [{ ...action, path: "/docs", method: "POST" }] }, "spec.actions.0.path"],
      [{ name, entities: [{ name: "doc", plural: "docs", fields: { text } }] }, "spec.entities.0.plural"],
    ] as const;
    for (const [spec, path] of taken) {
      const res = await api("/v1/runs", { method: "POST", json: { request: "r", spec } });
      const body = await json(res);
      expect(res.status).toBe(400);
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });
});

describe("the contract gate", () => {
  it("fails a redeploy that removes a field with the diff, and deploys it with allowBreaking", async () => {
    const name = uniqueName("gate");
    expect((await run(notes(name, { text, stars }))).status).toBe("succeeded");
    const kept = await json(await api(`/apps/${name}/notes`, { method: "POST", json: { text: "a", stars: 4 } }));

    const refused = await run(notes(name, { text }));
    expect(refused.status).toBe("failed");
    expect(refused.error?.code).toBe("breaking_change");
    expect(refused.error?.message).toContain("notes.stars: field stars removed");
    expect(refused.error?.message).toContain("POST /notes/{id}/increment: route removed");
    expect(refused.stages.find((s) => s.name === "deploy")!.status).toBe("pending");
    const tests = await json(await api(`/v1/runs/${refused.id}/tests`));
    expect(tests.reports.map((r: { kind: string }) => r.kind)).toEqual(["contract"]);
    const [contract] = tests.reports;
    expect(contract.ok).toBe(false);
    expect(contract.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ change: "removed", subject: "field", at: "notes.stars", breaking: true }),
      ]),
    );
    expect(contract.cases.find((c: { name: string }) => c.name.startsWith("notes.stars")).ok).toBe(false);
    expect((await json(await api(`/v1/apps/${name}`))).liveVersion).toBe(1);
    expect((await json(await api(`/apps/${name}/notes/${kept.id}`))).stars).toBe(4);

    const allowed = await run(notes(name, { text }), { allowBreaking: true });
    expect(allowed.status).toBe("succeeded");
    expect(allowed.app?.version).toBe(2);
    const report = (await json(await api(`/v1/runs/${allowed.id}/tests`))).reports[0];
    expect(report).toMatchObject({ kind: "contract", ok: true });
    expect(report.cases.find((c: { name: string }) => c.name.startsWith("notes.stars")).message).toContain(
      "allowBreaking",
    );
    const diff = await json(await api(`/v1/apps/${name}/versions/2/contract`));
    expect(diff).toMatchObject({ version: 2, fromVersion: 1, breaking: true });
    expect(diff.changes.map((c: { at: string }) => c.at)).toContain("notes.stars");
  }, 90_000);

  it("deploys an added optional field, with the diff in its tests, events and the app's versions", async () => {
    const name = uniqueName("gateadd");
    expect((await run(notes(name, { text, stars }))).status).toBe("succeeded");
    const added = await run(notes(name, { text, stars, tag: { type: "string", maxLength: 20 } }));
    expect(added.status).toBe("succeeded");
    const report = (await json(await api(`/v1/runs/${added.id}/tests`))).reports[0];
    expect(report).toMatchObject({ kind: "contract", ok: true, passed: 1, failed: 0 });
    expect(report.changes).toEqual([
      expect.objectContaining({ change: "added", subject: "field", at: "notes.tag", breaking: false }),
    ]);
    const events = await (await api(`/v1/runs/${added.id}/events`)).text();
    expect(events).toContain(
      "contract changes against the live version: notes.tag: field tag (string, optional) added",
    );
    const diff = await json(await api(`/v1/apps/${name}/versions/2/contract`));
    expect(diff).toMatchObject({ version: 2, fromVersion: 1, breaking: false, changes: [{ at: "notes.tag" }] });
    expect(await json(await api(`/v1/apps/${name}/versions/1/contract`))).toEqual({
      version: 1,
      fromVersion: null,
      changes: [],
      breaking: false,
    });
    expect((await api(`/v1/apps/${name}/versions/9/contract`)).status).toBe(404);
    const doc = await json(await api(`/apps/${name}/openapi.json`));
    expect(doc.info.version).toBe("2");
    expect(doc.components.schemas.Note.properties.tag).toEqual({ type: ["string", "null"], maxLength: 20 });
  }, 90_000);
});
