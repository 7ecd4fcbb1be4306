// Proves what gates a deploy (docs/appspec.md, "What gates a deploy") with whole runs over the API:
// checks derived for action code (fuzzing, undeclared statuses, static review) report findings on
// spec-given code instead of refusing it (refusals 1, 2 and 3 of issue 28), each with its request and
// answer, in the tests report and as warnings in the run's events; platform checks send only requests
// the app's routing delivers to the route they test (refusals 4, 5 and 6); `options.strict` makes the
// same finding block, and the run's error names the testing stage, the request, its status, the
// answer and what the user can change (refusal 10).
import type { AppSpecInput, Run, TestReport } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

/** An app whose code the spec gives: a deliberate 503, a 500 on a JSON null body, a call to the global fetch. */
function specCode(name: string): AppSpecInput {
  return {
    name,
    secrets: ["STATUS_TOKEN"],
    entities: [{ name: "message", plural: "messages", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "status",
        method: "GET",
        path: "/status",
        // No example declares the 503: it is the action's answer all the same (refusal 1).
        code: "export default async (req, ctx) => {\n  if (!ctx.secrets.STATUS_TOKEN) ctx.error(503, 'not_configured', 'STATUS_TOKEN is not set');\n  return { ok: true };\n};\n",
      },
      {
        name: "say",
        method: "POST",
        path: "/say",
        // A JSON null body makes this throw: a 500 that is the action's answer (refusal 2).
        code: "export default async (req, ctx) => {\n  const text = (await ctx.body()).text;\n  return ctx.json(await ctx.entities.messages.create({ text }), 201);\n};\n",
        examples: [{ method: "POST", path: "/say", body: { text: "hi" }, status: 201 }],
      },
      {
        name: "raw",
        method: "GET",
        path: "/raw",
        // The global fetch reaches nothing at run time; static review reports it (refusal 3).
        code: "export default async () => {\n  try { await fetch('https://example.com/'); return { blocked: false }; } catch { return { blocked: true }; }\n};\n",
      },
    ],
  };
}

async function reportsOf(run: Run): Promise<TestReport[]> {
  return (await json(await api(`/v1/runs/${run.id}/tests`))).reports;
}

/** The run's events, read from its stream (which closes once the run has ended). */
async function eventsOf(run: Run): Promise<{ level: string; message: string }[]> {
  const text = await (await api(`/v1/runs/${run.id}/events`)).text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("id: "))
    .map((block) => JSON.parse(/\ndata: (.*)$/m.exec(block)![1]!));
}

describe("findings on code the spec gave", () => {
  it("deploy it, reporting each finding with its request and answer, apart from the gates", async () => {
    const name = uniqueName("gate-spec");
    const run = await waitForRun((await startRun({ request: "spec code", spec: specCode(name) })).id, 90_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const reports = await reportsOf(run);
    // Every gate held: no failed case anywhere.
    expect(reports.flatMap((r) => r.cases.filter((c) => !c.ok).map((c) => `${r.kind}: ${c.name}`))).toEqual([]);
    const findings = reports.flatMap((r) => r.findings ?? []);
    const nullBody = findings.find((f) => f.name === "action say: fuzz: POST /say: JSON null");
    expect(nullBody).toMatchObject({
      check: "fuzz",
      action: "say",
      exchange: { method: "POST", path: "/say", body: "null", status: 500 },
    });
    expect(nullBody!.exchange!.answer).toContain("internal_error");
    expect(findings.find((f) => f.check === "review" && f.action === "raw")?.message).toMatch(/network/);
    // The deliberate 503 is the action's answer: not even a finding.
    expect(findings.filter((f) => f.action === "status")).toEqual([]);
    const warnings = (await eventsOf(run)).filter((e) => e.level === "warn" && e.message.startsWith("finding"));
    expect(warnings.map((w) => w.message).join("\n")).toContain("action say: fuzz: POST /say: JSON null");
    // The app serves as the spec says.
    expect((await api(`/apps/${name}/status`)).status).toBe(503);
    expect(await json(await api(`/apps/${name}/raw`))).toEqual({ blocked: true });
  }, 180_000);

  it("block it under options.strict, the run's error naming the testing stage, the request, the answer and what to change", async () => {
    const name = uniqueName("gate-strict");
    const run = await waitForRun(
      (await startRun({ request: "spec code", spec: specCode(name), options: { strict: true } })).id,
      90_000,
    );
    expect(run.status).toBe("failed");
    expect(run.stage).toBe("testing");
    expect(run.error?.code).toBe("findings_blocked");
    const message = run.error!.message;
    expect(message).toMatch(/^testing: /);
    expect(message).toMatch(/ answered 500: \{"error":\{"code":"internal_error"/);
    expect(message).toContain("To change:");
    expect((await api(`/v1/apps/${name}`)).status).toBe(404);
  }, 180_000);
});

describe("platform checks follow the app's routing", () => {
  it("deploy an app whose actions take entity routes, with operations left out and literal segments beside :param", async () => {
    const name = uniqueName("gate-routes");
    const spec: AppSpecInput = {
      name,
      entities: [
        // No HTTP route at all; its plural is an action's path answering HTML (refusal 4).
        { name: "recipe", plural: "recipes", fields: { title: { type: "string", required: true } }, operations: [] },
        // Its list route is an action's, which answers a plain 503 (refusal 6).
        { name: "note", plural: "notes", fields: { text: { type: "string" } }, operations: ["create", "get"] },
      ],
      actions: [
        {
          name: "page",
          method: "GET",
          path: "/recipes",
          code: "export default async (req, ctx) => ctx.html('<h1>Recipes</h1>');",
        },
        // GET /recipes/upload is the :recipeId action's, never a 405 (refusal 5).
        {
          name: "upload",
          method: "POST",
          path: "/recipes/upload",
          code: "export default async (req, ctx) => ctx.json({ uploaded: true }, 201);",
        },
        {
          name: "recipe",
          method: "GET",
          path: "/recipes/:recipeId",
          code: "export default async (req, ctx) => ctx.text('recipe ' + ctx.params.recipeId);",
        },
        {
          name: "notesDown",
          method: "GET",
          path: "/notes",
          code: "export default async () => new Response('down for maintenance', { status: 503 });",
        },
      ],
    };
    const run = await waitForRun((await startRun({ request: "routes", spec })).id, 90_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const reports = await reportsOf(run);
    expect(reports.map((r) => r.error).filter(Boolean)).toEqual([]);
    expect((await api(`/apps/${name}/recipes/upload`)).status).toBe(200);
    expect(await (await api(`/apps/${name}/recipes/upload`)).text()).toBe("recipe upload");
  }, 180_000);
});
