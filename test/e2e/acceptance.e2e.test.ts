// Proves every cookbook recipe of docs/appspec.md (test/acceptance/cases) and the public acceptance sample (../shared/bench/cases) pass the shared black-box runner against `wrangler dev`, started as `pnpm dev` starts it.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lint } from "./openapi-linter";
import { type DevServer, startWranglerDev } from "./wrangler-dev";

const ROOT = resolve(__dirname, "../..");
/** The shared runner and sample sit beside the repository (present in CI); the cookbook is ours. */
const RUNNER = resolve(ROOT, "../shared/bench/acceptance.mjs");
const SAMPLE = resolve(ROOT, "../shared/bench/cases");
const COOKBOOK = resolve(ROOT, "test/acceptance/cases");

const cases = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(dir, f))
    : [];

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
}, 120_000);
afterAll(async () => {
  await dev?.stop();
});

async function accept(files: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, "--base", dev.base, ...files], {
      timeout: 480_000,
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}\n${e.stderr}` };
  }
}

describe("the cookbook in docs/appspec.md", () => {
  it("links every recipe's case and shows each action's code as the case has it", () => {
    const doc = readFileSync(resolve(ROOT, "docs/appspec.md"), "utf8");
    for (const file of cases(COOKBOOK)) {
      const name = file.slice(COOKBOOK.length + 1);
      expect(doc).toContain(`(../test/acceptance/cases/${name})`);
      const { spec } = JSON.parse(readFileSync(file, "utf8")) as { spec: { actions?: { code: string }[] } };
      for (const action of spec.actions ?? []) expect(doc).toContain(action.code.trimEnd());
    }
  });
});

describe.runIf(existsSync(RUNNER))("acceptance cases through ../shared/bench/acceptance.mjs", () => {
  it("passes every cookbook recipe", { timeout: 500_000 }, async () => {
    const files = cases(COOKBOOK);
    expect(files.length).toBeGreaterThanOrEqual(8);
    const { code, out } = await accept(files);
    expect(out).toContain(`${files.length} passed, 0 failed`);
    expect(code).toBe(0);
  });

  it("passes the public sample", { timeout: 500_000 }, async () => {
    const files = cases(SAMPLE);
    const { code, out } = await accept(files);
    expect(out).toContain(`${files.length} passed, 0 failed`);
    expect(code).toBe(0);
  });

  // After the runs above: every app they left deployed serves its contract, lint-clean, as the
  // gateway generates it from the live spec (test/e2e/app-openapi-lint.test.ts lints the same in Node).
  it("serves a lint-clean OpenAPI document for every app the cases deployed", { timeout: 120_000 }, async () => {
    const { items } = (await (await fetch(`${dev.base}/v1/apps?limit=100`)).json()) as { items: { name: string }[] };
    expect(items.length).toBeGreaterThanOrEqual(cases(COOKBOOK).length);
    for (const { name } of items) {
      const res = await fetch(`${dev.base}/apps/${name}/openapi.json`);
      expect(res.status, name).toBe(200);
      const doc = (await res.json()) as { openapi: string; servers: { url: string }[] };
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.servers[0]!.url.startsWith(`${dev.base}/apps/${name}`)).toBe(true);
      expect((await lint(doc)).errors, name).toEqual([]);
    }
  });
});
