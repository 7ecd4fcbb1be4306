// Proves each kind of test catches its planted defect (wrong status, 500 on bad input, eval, leaked stack) and passes the clean app; performance reports figures and finds a slow action against a baseline on the same host, gating nothing.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput, bundleHash, type CodeBundle } from "@aidevos/core";
import {
  countRecords,
  runIntegrationSuite,
  runPerformanceSuite,
  runSecuritySuite,
  stagingClient,
} from "@aidevos/testing";
import { describe, expect, it } from "vitest";

const SPEC: AppSpecInput = {
  name: "shelf",
  entities: [
    {
      name: "book",
      plural: "books",
      fields: { title: { type: "string", required: true, maxLength: 50 }, year: { type: "integer", min: 0 } },
      unique: ["title"],
    },
  ],
  counters: [{ name: "reads" }],
};

async function plant(bundle: CodeBundle, file: string, from: string, to: string): Promise<CodeBundle> {
  const files = bundle.files.map((f) => {
    if (f.path !== file) return f;
    expect(f.content).toContain(from);
    return { ...f, content: f.content.replace(from, to) };
  });
  return { ...bundle, files, hash: await bundleHash(files) };
}

async function staging(bundle: CodeBundle, spec = AppSpec.parse(SPEC)) {
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`suite:${crypto.randomUUID()}`));
  return stagingClient(host, bundle, spec);
}

const failing = (report: { cases: { ok: boolean; name: string; message?: string }[] }) =>
  report.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`);

describe("integration tests", () => {
  it("pass the clean app and catch a wrong status code", async () => {
    const spec = AppSpec.parse(SPEC);
    const clean = await compileApp(spec);
    const good = await runIntegrationSuite(spec, await staging(clean));
    expect(failing(good)).toEqual([]);
    expect(good.passed).toBeGreaterThan(8);
    const broken = await plant(clean, "app.js", "return json(201, record)", "return json(200, record)");
    const bad = await runIntegrationSuite(spec, await staging(broken));
    expect(bad.ok).toBe(false);
    expect(failing(bad).join("\n")).toContain("status 200, want 201");
  });
});

describe("security tests", () => {
  const run = async (bundle: CodeBundle, spec = AppSpec.parse(SPEC)) => {
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`suite:${crypto.randomUUID()}`));
    const send = stagingClient(host, bundle, spec);
    return runSecuritySuite(
      spec,
      bundle.files,
      (r) => send(r.method, r.path, r.body, r.headers),
      () => countRecords(host, bundle),
    );
  };

  it("pass the clean app", async () => {
    const report = await run(await compileApp(AppSpec.parse(SPEC)));
    expect(failing(report)).toEqual([]);
    expect(report.passed).toBeGreaterThan(30);
  });

  it("catch a 500 on bad input", async () => {
    const clean = await compileApp(AppSpec.parse(SPEC));
    const broken = await plant(
      clean,
      "model.js",
      'if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);',
      "if (!isPlainObject(body)) throw new TypeError(body + ' is not an object');",
    );
    const report = await run(broken);
    expect(report.ok).toBe(false);
    expect(failing(report).join("\n")).toMatch(/answered 500/);
  });

  // The count reads storage, not the list route: an entity without `list` used to count as empty, so a
  // write by rejected input went unseen there (and a clean app without `list` could not deploy).
  it("catch a rejected create that still writes, in an entity whose operations leave out list", async () => {
    const spec = AppSpec.parse({
      ...SPEC,
      entities: [{ ...SPEC.entities![0]!, operations: ["create", "get", "delete"] }],
    });
    const clean = await compileApp(spec);
    expect(failing(await run(clean, spec))).toEqual([]);
    const broken = await plant(
      clean,
      "records.js",
      "const values = validateCreate(entity, body);",
      "this.sql.exec(`INSERT INTO ${tableOf(entity)} (id, data, created_at, updated_at) VALUES (?, '{}', '', '')`, crypto.randomUUID());\n    const values = validateCreate(entity, body);",
    );
    const report = await run(broken, spec);
    expect(failing(report).join("\n")).toMatch(
      /storage changed only by accepted input: \d+ record\(s\) written, but only \d+/,
    );
  });

  it("catch an eval in the source", async () => {
    const clean = await compileApp(AppSpec.parse(SPEC));
    // Never called, so only the static scan can see it.
    const broken = await plant(
      clean,
      "app.js",
      "function json(status, body, headers = {}) {",
      "export function debug(code) {\n  return eval(code);\n}\n\nfunction json(status, body, headers = {}) {",
    );
    const report = await run(broken);
    expect(report.cases[0]).toMatchObject({ ok: false });
    expect(report.cases[0]!.message).toContain("forbidden-eval");
  });

  it("catch a response that leaks a stack trace", async () => {
    const clean = await compileApp(AppSpec.parse(SPEC));
    const broken = await plant(
      clean,
      "app.js",
      'response = json(500, { error: { code: "internal_error", message: "internal error", details: [] } });',
      'response = json(400, { error: { code: "bad", message: String(err.stack), details: [] } });',
    );
    const withBug = await plant(
      broken,
      "model.js",
      "if (!isPlainObject(body)) throw validationFailed",
      "if (!isPlainObject(body)) null.x; if (false) throw validationFailed",
    );
    const report = await run(withBug);
    expect(failing(report).join("\n")).toMatch(/leaks a stack trace/);
  });
});

describe("performance tests", () => {
  const load = { requests: 24, concurrency: 2 };
  const withAction = (code: string) =>
    AppSpec.parse({
      ...SPEC,
      entities: [{ ...SPEC.entities![0]!, unique: [] }],
      performance: load,
      actions: [{ name: "shelfSize", method: "GET", path: "/size", code }],
    });

  it("report p50/p95/p99 per route and find nothing in a fast app", async () => {
    const spec = withAction("export default async () => ({ size: 0 });");
    const report = await runPerformanceSuite(spec, await staging(await compileApp(spec), spec));
    expect(failing(report)).toEqual([]);
    expect(report.findings).toBeUndefined();
    expect(Object.keys(report.figures ?? {})).toEqual([
      "POST /books",
      "GET /books",
      "POST /counters/reads/increment",
      "GET /size (action shelfSize)",
      "GET /size (action shelfSize) baseline",
    ]);
    expect(report.cases[0]!.message).toMatch(/^p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, \d+ req\/s$/);
  });

  it("report a slow action as a finding against the baseline measured beside it, never a failed gate", async () => {
    const spec = withAction(
      "export default async () => { await new Promise((r) => setTimeout(r, 1000)); return { size: 0 }; };",
    );
    const report = await runPerformanceSuite(spec, await staging(await compileApp(spec), spec));
    expect(report.ok).toBe(true);
    expect(failing(report)).toEqual([]);
    expect(report.findings).toEqual([
      expect.objectContaining({
        check: "performance",
        action: "shelfSize",
        message: expect.stringMatching(/^p95 \d+ ms against the baseline's \d+ ms on the same host/),
      }),
    ]);
  });
});
