// Proves a request's work ends with its response or its deadline (issue 26, attack 3), through the
// gateway against a deployed app in real workerd: an action awaiting a promise that never settles
// answers 504 `timeout` in the error envelope once the deadline passes (the `faults` project sets
// AIDEVOS_ACTION_TIMEOUT_MS to 2 s), and a setInterval or a timer an action started stops, or
// writes nothing, once the action has answered. And every pipeline stage has a deadline: a stage
// that hangs (a test subclass of TestingDO awaiting forever, its deadline shortened) fails its run
// with stage_timeout naming the step, and an example hitting an action that never answers fails the
// run with a message that says so; neither leaves the run in `testing`.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { attemptsStored, planFaults, runIdFor, setStageDeadline } from "../support/faults";

function spec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    entities: [],
    // The performance suite measures the first two actions (spun, spin), not this file's point: a loose budget.
    performance: { p95Ms: 5000, requests: 20 },
    actions: [
      {
        name: "spin",
        method: "POST",
        path: "/spin",
        // The interval runs while the request does (the answer counts its ticks), then must stop.
        code: `export default async (req, ctx) => {
  globalThis.spun = 0;
  setInterval(() => { globalThis.spun += 1; }, 5);
  setTimeout(() => { ctx.kv.put("late", "written after the answer"); }, 100);
  await new Promise((resolve) => setTimeout(resolve, 60));
  return { spun: globalThis.spun };
};`,
      },
      {
        name: "hang",
        method: "POST",
        path: "/hang",
        code: "export default async () => { await new Promise(() => {}); return { never: true }; };",
        // Declared, or the testing stage would refuse an action that answers 5xx.
        examples: [{ method: "POST", path: "/hang", status: 504 }],
      },
      {
        name: "spun",
        method: "GET",
        path: "/spun",
        code: 'export default async (req, ctx) => ({ spun: globalThis.spun ?? null, late: (await ctx.kv.get("late")) ?? null });',
      },
    ],
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("time in the sandbox", () => {
  it("ends a request at its deadline (504 timeout) and stops the timers an action started once it answers", async () => {
    const name = uniqueName("time");
    const run = await waitForRun((await startRun({ request: "r", spec: spec(name) })).id, 90_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");

    const hung = await api(`/apps/${name}/hang`, { method: "POST" });
    expect(hung.status).toBe(504);
    expect(await json(hung)).toEqual({
      error: { code: "timeout", message: expect.stringContaining("deadline"), details: [] },
    });

    const spin = await json(await api(`/apps/${name}/spin`, { method: "POST" }));
    // The timers ran while the request did.
    expect(spin.spun).toBeGreaterThan(0);
    const first = await json(await api(`/apps/${name}/spun`));
    await pause(400);
    const second = await json(await api(`/apps/${name}/spun`));
    expect(second.spun).toBe(first.spun);
    expect(second.late).toBeNull();
  }, 120_000);
});

describe("stage deadlines", () => {
  it("fail a run whose stage hangs with stage_timeout, naming the step, without a retry", async () => {
    const key = crypto.randomUUID();
    const runId = runIdFor(key);
    await planFaults("TESTING", runId, 1, "hang");
    await setStageDeadline("TESTING", runId, 1500);
    await startRun({ request: "tasks", spec: todoSpec(uniqueName("hung-stage")) }, { "idempotency-key": key });
    const run = await waitForRun(runId, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("stage_timeout");
    expect(run.error?.message).toBe("testing: testing did not finish within 1500 ms; it was at a step that never ends");
    expect(run.stages.find((s) => s.name === "testing")).toMatchObject({ status: "failed", attempts: 1 });
    expect(await attemptsStored("TESTING", runId)).toEqual([{ round: 0, attempts: 1, status: "failed" }]);
  }, 90_000);

  it("fail a run whose example waits on an action that never answers, saying it timed out", async () => {
    const name = uniqueName("hung-example");
    const hanging: AppSpecInput = {
      name,
      partition: "single",
      entities: [],
      actions: [
        {
          name: "hang",
          method: "GET",
          path: "/hang",
          code: "export default async () => { await new Promise(() => {}); };",
          examples: [{ method: "GET", path: "/hang", status: 200 }],
        },
      ],
    };
    const run = await waitForRun((await startRun({ request: "r", spec: hanging })).id, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error?.message).toContain("status 504, want 200");
    expect(run.error?.message).toContain('"code":"timeout"');
  }, 90_000);
});
