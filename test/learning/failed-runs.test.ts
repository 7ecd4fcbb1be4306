// Proves that failed runs teach: a run whose examples fail is handed to learning as it ends, its failure is counted against the model and prompt version that wrote its code, and GET /v1/learning/stats shows the table.

import type { ModelStat } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

/** Learning for a failed run happens after the run has ended: wait (bounded) until it is counted. */
async function statsWith(failed: number): Promise<ModelStat[]> {
  for (let i = 0; i < 200; i++) {
    const { items } = await json<{ items: ModelStat[] }>(await api("/v1/learning/stats"));
    if (items.reduce((n, s) => n + s.failed, 0) >= failed) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`learning never counted ${failed} failed run(s)`);
}

describe("failed runs teach", () => {
  it("counts a failed run in the model updater's statistics, beside a run that passed", async () => {
    // Replayed model answers: statistics are about code a model wrote (code a spec gives is no model's).
    const passed = await waitForRun((await startRun({ request: "notes", options: { replay: "fenced-code" } })).id);
    expect(passed.status).toBe("succeeded");
    // Its example fails and the refiner hands back the same code: the run fails.
    const failed = await waitForRun((await startRun({ request: "a shelf", options: { replay: "refine-stalls" } })).id);
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("refine_stalled");

    const stats = await statsWith(1);
    const codegen = stats.filter((s) => s.stage === "codegen");
    // A stalled refiner writes no new round: the failure counts against the code prompt that wrote the code.
    expect(codegen).toHaveLength(1);
    expect(codegen[0]).toMatchObject({ runs: 2, firstPass: 1, failed: 1, failureRate: 0.5, prompt: "code.v2" });

    // The failed run's events say what learning made of it, after the run failed.
    const events = await (await api(`/v1/runs/${failed.id}/events`)).text();
    expect(events).toContain("run failed");
  });
});
