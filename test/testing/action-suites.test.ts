// Proves the spec-derived suites cover action routes: the integration suite checks each action answers and 405s other methods, the security fuzz sends malformed bodies to actions and reports an undeclared 5xx (and only that) as a finding with its request and answer, never a failed case, and the performance suite loads an action route against a baseline on the same host.
import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import {
  countRecords,
  runIntegrationSuite,
  runPerformanceSuite,
  runSecuritySuite,
  stagingClient,
} from "@aidevos/testing";
import { describe, expect, it } from "vitest";

function specWith(code: string, examples: unknown[] = []): AppSpec {
  const input: AppSpecInput = {
    name: "acts",
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    actions: [
      { name: "echo", method: "POST", path: "/echo/:id", code, examples: examples as never },
      { name: "ping", method: "GET", path: "/ping", code: "export default async () => ({ pong: true });" },
    ],
  };
  return AppSpec.parse(input);
}

const ROBUST = `export default async (req, ctx) => {
  const body = await ctx.body();
  if (body === null || typeof body !== "object" || Array.isArray(body)) ctx.error(400, "bad_body", "send an object");
  return { id: ctx.params.id, keys: Object.keys(body).length };
};`;
// Reads a property of whatever came: a JSON null or array body makes it throw.
const FRAGILE = `export default async (req, ctx) => {
  const body = await ctx.body();
  return { id: ctx.params.id, n: body.value.length };
};`;

async function suites(spec: AppSpec) {
  const bundle = await compileApp(spec);
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`suite:${crypto.randomUUID()}`));
  const send = stagingClient(host, bundle, spec);
  return {
    integration: () => runIntegrationSuite(spec, send),
    security: () =>
      runSecuritySuite(
        spec,
        bundle.files,
        (r) => send(r.method, r.path, r.body, r.headers),
        () => countRecords(host, bundle),
      ),
    performance: () => runPerformanceSuite({ ...spec, performance: { requests: 20, p95Ms: 60_000 } }, send),
  };
}

const failing = (report: { cases: { ok: boolean; name: string; message?: string }[] }) =>
  report.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`);
const found = (report: { findings?: { name: string; message: string }[] }) =>
  (report.findings ?? []).map((f) => `${f.name}: ${f.message}`);

describe("suites over action routes", () => {
  it("integration: each action answers, and another method on its path is 405; what fails is a finding", async () => {
    const report = await (await suites(specWith(ROBUST))).integration();
    expect(failing(report)).toEqual([]);
    expect(found(report)).toEqual([]);
    // Action checks are findings: an action that always throws is reported with its request, not failed.
    const throwing = await (
      await suites(specWith("export default async () => { throw new Error('x'); };"))
    ).integration();
    expect(failing(throwing)).toEqual([]);
    expect(throwing.findings).toEqual([
      expect.objectContaining({
        check: "status",
        action: "echo",
        name: "action echo (POST /echo/:id): answers without an undeclared 5xx",
        exchange: expect.objectContaining({ method: "POST", path: "/echo/integration", status: 500 }),
      }),
    ]);
  });

  it("security: malformed bodies reach the actions; a 500 is a finding (not a failure) unless the examples declare it", async () => {
    const robust = await (await suites(specWith(ROBUST))).security();
    expect(failing(robust)).toEqual([]);
    expect(found(robust)).toEqual([]);
    const fragile = await (await suites(specWith(FRAGILE))).security();
    // The action's 500 is its own answer: a finding with the request and answer, not a failed case.
    expect(failing(fragile)).toEqual([]);
    expect(fragile.ok).toBe(true);
    const nullBody = fragile.findings?.find((f) => f.name === "action echo: fuzz: POST /echo/:id: JSON null");
    expect(nullBody).toMatchObject({
      check: "fuzz",
      action: "echo",
      exchange: { method: "POST", path: "/echo/fuzz", body: "null", status: 500 },
    });
    const declared = await (
      await suites(specWith(FRAGILE, [{ path: "/echo/1", method: "POST", raw: "null", status: 500 }]))
    ).security();
    expect(found(declared)).toEqual([]);
  });

  it("performance: loads the action routes, GETs first, each after its baseline on the same host", async () => {
    const report = await (await suites(specWith(ROBUST))).performance();
    expect(Object.keys(report.figures ?? {})).toEqual(
      expect.arrayContaining([
        "GET /ping (action ping)",
        "GET /ping (action ping) baseline",
        "POST /echo/:id (action echo)",
      ]),
    );
    expect(report.ok).toBe(true);
  });
});
