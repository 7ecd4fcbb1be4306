// Proves a failing stage is retried with backoff and its attempts counted, that a run fails with the
// stage's error once retries are exhausted, and that a deterministic failure (the same one on a
// retry of the same input) is not retried again. Faults come from the test subclasses of the `faults` project.
import type { Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { faultsFired, planFaults, runIdFor } from "../support/faults";

function stageOf(run: Run, name: string) {
  return run.stages.find((s) => s.name === name)!;
}

async function readEvents(runId: string) {
  const text = await (await api(`/v1/runs/${runId}/events`)).text(); // the stream closes once the run has ended
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("id: "))
    .map((block) => JSON.parse(/\ndata: (.*)$/m.exec(block)![1]!) as { message: string });
}

describe("a failing stage", () => {
  it("retries a failing stage with backoff and counts the attempts", async () => {
    const key = crypto.randomUUID();
    const runId = runIdFor(key);
    await planFaults("DEPLOY", runId, 2);
    const name = uniqueName("retry");
    await startRun({ request: "tasks", spec: todoSpec(name) }, { "idempotency-key": key });
    const run = await waitForRun(runId);
    expect(run.status).toBe("succeeded");
    expect(stageOf(run, "deploy").attempts).toBe(3);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.versions).toHaveLength(1);
    const events = await readEvents(runId);
    expect(events.filter((e) => e.message.includes("retrying")).length).toBe(2);
    expect((await faultsFired("DEPLOY", runId)).map((f) => f.attempt)).toEqual([1, 2]);
  });

  it("fails the run with the stage's error once retries are exhausted", async () => {
    const key = crypto.randomUUID();
    const runId = runIdFor(key);
    await planFaults("PLANNING", runId, 10);
    await startRun({ request: "tasks", spec: todoSpec(uniqueName("exhaust")) }, { "idempotency-key": key });
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("stage_failed");
    expect(run.error?.message).toContain("injected fault");
    expect(stageOf(run, "planning")).toMatchObject({ status: "failed", attempts: 3 });
    expect(stageOf(run, "codegen").status).toBe("pending");
    expect(await faultsFired("PLANNING", runId)).toHaveLength(3);
  });

  it("stops retrying a failure that repeats exactly on a retry of the same input", async () => {
    const key = crypto.randomUUID();
    const runId = runIdFor(key);
    await planFaults("PLANNING", runId, 10, "same");
    await startRun({ request: "tasks", spec: todoSpec(uniqueName("determ")) }, { "idempotency-key": key });
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.message).toContain("injected deterministic fault");
    expect(stageOf(run, "planning")).toMatchObject({ status: "failed", attempts: 2 });
    expect(await faultsFired("PLANNING", runId)).toHaveLength(2);
  });
});
