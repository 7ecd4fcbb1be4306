// Proves every Worker the sandbox loads carries the Worker Loader's limits (cpuMs and subRequests):
// served apps, the shared runtime and unit-test Workers alike. Cloudflare enforces them; workerd under
// wrangler dev does not (docs/security.md has the measurement), which is why the guard's budgets exist.
import { compileApp, sharedRuntime } from "@aidevos/compiler";
import { AppSpec } from "@aidevos/core";
import { appWorkerCode, sharedAppWorkerCode, unitTestWorkerCode } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { todoSpec } from "../support/api";

describe("Worker Loader limits", () => {
  it("are set on every loaded Worker, with defaults and overrides", async () => {
    const bundle = await compileApp(AppSpec.parse(todoSpec("limits-app")));
    const runtime = sharedRuntime();
    const loaded = {
      app: appWorkerCode(bundle),
      shared: sharedAppWorkerCode(runtime, runtime.specModule),
      unitTests: unitTestWorkerCode(bundle),
    };
    for (const [kind, code] of Object.entries(loaded)) {
      expect(code.limits, kind).toEqual({
        cpuMs: expect.any(Number),
        subRequests: expect.any(Number),
      });
      expect(code.limits!.cpuMs! > 0 && code.limits!.subRequests! > 0, kind).toBe(true);
    }
    expect(loaded.app.limits).toEqual({ cpuMs: 100, subRequests: 50 });
    expect(appWorkerCode(bundle, { cpuMs: 20, subRequests: 3 }).limits).toEqual({ cpuMs: 20, subRequests: 3 });
  });
});
