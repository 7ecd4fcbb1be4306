// Proves a run moves through every stage durably: stage states, events (and their SSE replay), cancel and eviction (retries: retry.faults.test.ts).

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

function stageOf(run: Run, name: string) {
  return run.stages.find((s) => s.name === name)!;
}

async function readEvents(runId: string, lastEventId?: number) {
  const res = await api(`/v1/runs/${runId}/events`, {
    headers: lastEventId ? { "last-event-id": String(lastEventId) } : {},
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const text = await res.text(); // the stream closes once the run has ended
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("id: "))
    .map((block) => {
      const id = Number(/^id: (\d+)/.exec(block)![1]);
      const data = JSON.parse(/\ndata: (.*)$/m.exec(block)![1]!);
      return { id, ...data };
    });
}

describe("a run through the pipeline", () => {
  it("passes every stage in order and deploys the app once", async () => {
    const name = uniqueName("flow");
    const queued = await startRun({ request: "tasks", spec: todoSpec(name) });
    const run = await waitForRun(queued.id);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("succeeded");
    for (const stage of run.stages) {
      expect(stage.status, stage.name).toBe("succeeded");
      expect(stage.attempts).toBeGreaterThanOrEqual(1);
      expect(stage.summary).toBeTruthy();
      expect(Date.parse(stage.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(stage.startedAt!));
    }
    expect(run.app).toEqual({ name, version: 1, url: `/apps/${name}/` });
    expect(stageOf(run, "testing").summary).toMatch(/unit \d+\/\d+/);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    expect(app.history).toHaveLength(1);
    expect(app.history[0]).toMatchObject({ action: "create", version: 1, runId: run.id });
  });

  it("streams events in order and replays from Last-Event-ID", async () => {
    const { id } = await startRun({ request: "tasks", spec: todoSpec(uniqueName("sse")) });
    const all = await readEvents(id);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all[0].message).toBe("run queued");
    expect(all.at(-1).message).toBe("run succeeded");
    const started = all.filter((e) => e.type === "stage" && e.message.includes("started")).map((e) => e.stage);
    expect(started).toEqual(["planning", "codegen", "testing", "deploy", "monitoring", "learning"]);
    const middle = all[Math.floor(all.length / 2)].id;
    const replay = await readEvents(id, middle);
    expect(replay.map((e) => e.id)).toEqual(ids.filter((x) => x > middle));
  });

  it("cancels a run that has not finished, and keeps it cancelled", async () => {
    const name = uniqueName("cancel");
    const { id } = await startRun({ request: "tasks", spec: todoSpec(name) });
    const res = await api(`/v1/runs/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    const cancelled = await json<Run>(res);
    if (cancelled.status !== "succeeded") {
      expect(cancelled.status).toBe("cancelled");
      await new Promise((r) => setTimeout(r, 500));
      const later = await json<Run>(await api(`/v1/runs/${id}`));
      expect(later.status).toBe("cancelled");
      expect((await api(`/v1/apps/${name}`)).status).toBe(404);
    }
  });

  it("survives eviction of its stage objects mid-run: one run, one deploy", async () => {
    const name = uniqueName("evict");
    const { id } = await startRun({ request: "tasks", spec: todoSpec(name) });
    const stubs = [
      env.RUNS.get(env.RUNS.idFromString(id)),
      env.PLANNING.get(env.PLANNING.idFromName(id)),
      env.CODEGEN.get(env.CODEGEN.idFromName(id)),
      env.TESTING.get(env.TESTING.idFromName(id)),
      env.DEPLOY.get(env.DEPLOY.idFromName(id)),
    ];
    for (let i = 0; i < 6; i++) {
      // Objects that are not running at that moment have nothing to evict.
      for (const stub of stubs) await evictDurableObject(stub).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 40));
    }
    const run = await waitForRun(id);
    expect(run.status).toBe("succeeded");
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.versions).toHaveLength(1);
    expect(app.history).toHaveLength(1);
    const events = await readEvents(id);
    expect(events.filter((e) => e.type === "stage" && e.message.startsWith("deploy succeeded"))).toHaveLength(1);
    expect(events.filter((e) => e.message === "run succeeded")).toHaveLength(1);
  });
});
