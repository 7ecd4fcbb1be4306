// Proves the spec-derived suites cover action routes: the integration suite checks each action answers and 405s other methods, the security fuzz sends malformed bodies to actions and fails an undeclared 5xx (and only that), and the performance suite loads an action route.
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

describe("suites over action routes", () => {
  it("integration: each action answers, and another method on its path is 405", async () => {
    const report = await (await suites(specWith(ROBUST))).integration();
    expect(failing(report)).toEqual([]);
    const names = report.cases.map((c) => c.name);
    expect(names).toContain("action echo: GET on its path is 405 method_not_allowed");
    expect(names).toContain("action ping: POST on its path is 405 method_not_allowed");
  });

  it("security: malformed bodies reach the actions; a 500 fails unless the examples declare it", async () => {
    const robust = await (await suites(specWith(ROBUST))).security();
    expect(failing(robust)).toEqual([]);
    expect(robust.cases.map((c) => c.name)).toContain("fuzz: POST /echo/:id: malformed JSON");
    const fragile = await (await suites(specWith(FRAGILE))).security();
    expect(failing(fragile).join("\n")).toContain("fuzz: POST /echo/:id: JSON null: answered 500");
    const declared = await (
      await suites(specWith(FRAGILE, [{ path: "/echo/1", method: "POST", raw: "null", status: 500 }]))
    ).security();
    expect(failing(declared)).toEqual([]);
  });

  it("performance: loads the action routes, GETs first", async () => {
    const report = await (await suites(specWith(ROBUST))).performance();
    expect(Object.keys(report.figures ?? {})).toEqual(
      expect.arrayContaining(["GET /ping (action ping)", "POST /echo/:id (action echo)"]),
    );
  });
});
