// Proves that overload degrades, never corrupts (issue 27): 100 runs posted at once, twelve times the default
// concurrency cap, are all accepted as `queued`, wait for a slot rather than fail, and every one ends
// succeeded with its app live. It fails if the queue drops, rejects or fails runs under a burst.

import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const RUNS = 100;

describe("a burst of runs", () => {
  it(`queues ${RUNS} posted at once and ends every one succeeded`, async () => {
    const names = Array.from({ length: RUNS }, () => uniqueName("burst"));
    const started = await Promise.all(
      // A lax latency budget: this proves the queue; a loaded host's latency is the testing stage's concern.
      names.map((name) => startRun({ request: "m", spec: { ...todoSpec(name), performance: { p95Ms: 30_000 } } })),
    );
    expect(started.map((r) => r.status)).toEqual(names.map(() => "queued"));
    // One poll at a time, in the order they were posted (the queue's order): 100 pollers would be a flood of their own.
    const ended = [];
    for (const r of started) ended.push(await waitForRun(r.id, 400_000));
    expect(ended.map((r) => r.error?.message ?? r.status)).toEqual(names.map(() => "succeeded"));
    let waited = 0;
    for (const r of started)
      if ((await (await api(`/v1/runs/${r.id}/events`)).text()).includes("waiting for a run slot")) waited += 1;
    // At most the cap start at once; the rest waited (the default cap is 8).
    expect(waited).toBeGreaterThanOrEqual(RUNS - 8);
    const live = [];
    for (const name of names)
      live.push((await json<{ liveVersion: number | null }>(await api(`/v1/apps/${name}`))).liveVersion);
    expect(live).toEqual(names.map(() => 1));
  }, 600_000);
});
