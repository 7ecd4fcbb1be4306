// Proves the limits on model runs (issue 27, attacks 2, 3 and 9): the same slow traffic on a version and again on the
// version the automatic run deployed starts one automatic run, not two (the cooldown is per app and survives new
// versions); an automatic run carries the automatic-run token budget, and every run shows its token budget and its
// bound on model calls in its events; runs past the concurrency cap wait in the queue and all end succeeded.

import { env } from "cloudflare:test";
import { appMonitorOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;

const slow = (version: number) =>
  Array.from({ length: 30 }, (_, i) => ({
    at: Date.now() - i,
    version,
    method: "GET",
    route: "GET /tasks",
    status: 200,
    ms: 9_000,
    key: null,
  }));

async function feedOf(name: string): Promise<{ kind: string; message: string; data?: { runId?: string } }[]> {
  return (await json(await api(`/v1/apps/${name}/feed`))).items;
}

describe("automatic runs", () => {
  it("start once per cooldown for the same slow traffic across a new version, with a token budget", async () => {
    const name = uniqueName("cooled");
    const first = await waitForRun(
      (await startRun({ request: "m", spec: { ...todoSpec(name), performance: { p95Ms: 2_000 } } })).id,
      60_000,
    );
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    await appMonitorOf(env, name).record(name, slow(1));
    const refine = (await feedOf(name)).find((f) => f.kind === "refine_run");
    expect(refine, "a refine run for v1").toBeDefined();
    const run = await waitForRun(refine!.data!.runId!, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.app?.version).toBe(2);
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toContain(`a budget of ${settings.AIDEVOS_AUTO_RUN_TOKEN_BUDGET ?? 500_000} tokens`);
    expect(events).toContain("model calls");

    // The same traffic on the version the refine run deployed: held back, not a second run.
    await appMonitorOf(env, name).record(name, slow(2));
    const feed = await feedOf(name);
    expect(feed.filter((f) => f.kind === "refine_run")).toHaveLength(1);
    const held = feed.find((f) => f.kind === "auto_run_held");
    expect(held?.message).toContain("cooldown");
    expect((await json(await api(`/v1/apps/${name}`))).liveVersion).toBe(2);
  });
});

describe("every run", () => {
  it("shows the default token budget and the bound on model calls in its events", async () => {
    const run = await waitForRun((await startRun({ request: "m", spec: todoSpec(uniqueName("limited")) })).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toMatch(
      /a budget of \d+ tokens \(the default, AIDEVOS_RUN_TOKEN_BUDGET\) and at most \d+ model calls/,
    );
  });

  it("queues runs past the concurrency cap, and every one ends succeeded", async () => {
    const cap = Number(settings.AIDEVOS_MAX_CONCURRENT_RUNS ?? 8);
    const started = await Promise.all(
      // A lax latency budget: this proves the queue; a loaded host's latency is the testing stage's concern.
      Array.from({ length: cap + 2 }, () =>
        startRun({ request: "m", spec: { ...todoSpec(uniqueName("flood")), performance: { p95Ms: 30_000 } } }),
      ),
    );
    expect(started.filter((r) => r.status === "queued")).toHaveLength(cap + 2);
    const ended = await Promise.all(started.map((r) => waitForRun(r.id, 280_000)));
    expect(ended.map((r) => r.error?.message ?? r.status)).toEqual(ended.map(() => "succeeded"));
    let waited = 0;
    for (const r of started)
      if ((await (await api(`/v1/runs/${r.id}/events`)).text()).includes("waiting for a run slot")) waited += 1;
    expect(waited).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
