// Proves AppSpec v2 actions and examples at the API: bad actions are validation_failed naming the action's path at POST /v1/runs, examples run on staging as a report of their own, and a failing example fails the run with its steps while the live version keeps serving.
import type { AppSpecInput, Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const FOLLOW = `export default async (req, ctx) => {
  const { items } = await ctx.entities.links.list({ where: { slug: ctx.params.slug }, limit: 1 });
  if (!items.length) ctx.error(404, "not_found", "no link " + ctx.params.slug);
  await ctx.entities.links.increment(items[0].id, "clicks", 1);
  return ctx.redirect(items[0].url, 302);
};`;

function shortener(name: string, examples: unknown[] = [{ path: "/s/nope", status: 404 }]): AppSpecInput {
  return {
    name,
    entities: [
      {
        name: "link",
        plural: "links",
        fields: {
          slug: { type: "string", required: true, pattern: "^[a-z0-9]{3,12}$" },
          url: { type: "string", required: true, pattern: "^https://" },
          clicks: { type: "integer", min: 0, default: 0 },
        },
        unique: ["slug"],
      },
    ],
    examples: [
      {
        method: "POST",
        path: "/links",
        body: { slug: "abc", url: "https://a.example/" },
        status: 201,
        save: { l: "id" },
      },
    ],
    actions: [{ name: "follow", method: "GET", path: "/s/:slug", code: FOLLOW, examples: examples as never }],
  };
}

async function rejected(spec: unknown): Promise<{ path: string; message: string }[]> {
  const res = await api("/v1/runs", { method: "POST", json: { request: "r", spec } });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe("validation_failed");
  return body.error.details;
}

describe("actions at POST /v1/runs", () => {
  const base = () => shortener("bad-actions") as { actions: Record<string, unknown>[] };
  const withAction = (a: Record<string, unknown>) => {
    const spec = base();
    spec.actions = [
      spec.actions[0]!,
      { name: "other", method: "GET", path: "/x", code: "export default () => 1;", ...a },
    ];
    return spec;
  };

  it("refuses code that does not parse, or has no default export, naming the action", async () => {
    const broken = await rejected(withAction({ code: "export default async (req, ctx) => {" }));
    expect(broken).toEqual([
      { path: "spec.actions.1.code", message: expect.stringContaining("action other: code does not parse") },
    ]);
    const noDefault = await rejected(withAction({ code: "export const x = 1;" }));
    expect(noDefault[0]).toMatchObject({
      path: "spec.actions.1.code",
      message: expect.stringContaining("no default export"),
    });
    const script = await rejected(withAction({ code: "with (a) {}" }));
    expect(script[0]!.path).toBe("spec.actions.1.code");
  });

  it("refuses colliding paths, bad names, bad paths and bad methods", async () => {
    expect((await rejected(withAction({ path: "/s/:id" })))[0]).toMatchObject({
      path: "spec.actions.1.path",
      message: expect.stringContaining("collides with actions.0 (follow)"),
    });
    expect((await rejected(withAction({ name: "follow" })))[0]!.path).toBe("spec.actions.1.name");
    expect((await rejected(withAction({ name: "Bad-name" })))[0]!.path).toBe("spec.actions.1.name");
    expect((await rejected(withAction({ path: "/a/../b" })))[0]!.path).toBe("spec.actions.1.path");
    expect((await rejected(withAction({ path: "/a/:p/:p" })))[0]!.path).toBe("spec.actions.1.path");
    expect((await rejected(withAction({ method: "TRACE" })))[0]!.path).toBe("spec.actions.1.method");
    expect((await rejected(withAction({ examples: [{ path: "/x", api: "GET /v1/apps" }] })))[0]!.path).toBe(
      "spec.actions.1.examples.0",
    );
  });

  it("needs each action's code offline", async () => {
    const details = await rejected(withAction({ code: undefined }));
    expect(details).toEqual([{ path: "spec.actions.1.code", message: "action other: code is required offline" }]);
  });
});

describe("examples gate the deploy", () => {
  it("run on staging as their own report, then the app serves its actions", async () => {
    const name = uniqueName("ex-ok");
    const run = await waitForRun((await startRun({ request: "shortener", spec: shortener(name) })).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    const examples = tests.reports.find((r: { kind: string }) => r.kind === "examples");
    expect(examples).toMatchObject({ ok: true, passed: 2, failed: 0 });
    expect(examples.cases.map((c: { name: string }) => c.name)).toEqual([
      "app example 1: POST /links",
      "follow example 1: GET /s/nope",
    ]);
    // Staging was its own: the live app starts empty.
    expect((await json(await api(`/apps/${name}/links`))).items).toEqual([]);
    const made = await json(
      await api(`/apps/${name}/links`, { method: "POST", json: { slug: "cfw", url: "https://w.example/" } }),
    );
    const go = await api(`/apps/${name}/s/cfw`, { redirect: "manual" });
    expect([go.status, go.headers.get("location")]).toEqual([302, "https://w.example/"]);
    expect((await json(await api(`/apps/${name}/links/${made.id}`))).clicks).toBe(1);
  });

  it("fail the run with the failing step when one does not hold, and the live version keeps serving", async () => {
    const name = uniqueName("ex-bad");
    const first = await waitForRun((await startRun({ request: "v1", spec: shortener(name) })).id, 60_000);
    expect(first.status).toBe("succeeded");
    const wrong = shortener(name, [
      { path: "/s/nope", status: 404 },
      { path: "/s/{{missing}}", status: 302, header: { location: "https://a.example/" } },
    ]);
    const run: Run = await waitForRun((await startRun({ request: "v2", spec: wrong })).id, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("examples_failed");
    expect(run.error?.message).toContain("follow example 2: GET /s/{{missing}}: status 404, want 302");
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    expect(tests.reports.map((r: { kind: string; ok: boolean }) => [r.kind, r.ok])).toEqual([
      ["contract", true],
      ["unit", true],
      ["examples", false],
    ]);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    expect((await api(`/apps/${name}/s/nope`)).status).toBe(404);
  });
});
