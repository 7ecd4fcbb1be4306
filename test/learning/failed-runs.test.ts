// Proves that failed runs teach: a run whose examples fail is handed to learning as it ends, its failure is counted against the model and prompt version that wrote its code, and GET /v1/learning/stats shows the table.

import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

interface Stat {
  stage: string;
  model: string;
  prompt: string;
  runs: number;
  firstPass: number;
  failed: number;
  failureRate: number;
  costPerRun: number;
}

/** Learning for a failed run happens after the run has ended: wait (bounded) until it is counted. */
async function statsWith(failed: number): Promise<Stat[]> {
  for (let i = 0; i < 200; i++) {
    const { items } = await json<{ items: Stat[] }>(await api("/v1/learning/stats"));
    if (items.reduce((n, s) => n + s.failed, 0) >= failed) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`learning never counted ${failed} failed run(s)`);
}

describe("failed runs teach", () => {
  it("counts a failed run in the model updater's statistics, beside a run that passed", async () => {
    const spec = (name: string, status: number) => ({
      name,
      entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true } } }],
      actions: [
        {
          name: "hello",
          method: "GET",
          path: "/hello",
          code: "export default async () => ({ hello: 'world' });",
          examples: [{ path: "/hello", status, json: { hello: "world" } }],
        },
      ],
    });
    const passed = await waitForRun((await startRun({ request: "hello", spec: spec(uniqueName("ok"), 200) })).id);
    expect(passed.status).toBe("succeeded");
    const failed = await waitForRun((await startRun({ request: "hello", spec: spec(uniqueName("bad"), 201) })).id);
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("examples_failed");

    const stats = await statsWith(1);
    const codegen = stats.filter((s) => s.stage === "codegen");
    expect(codegen).toHaveLength(1);
    expect(codegen[0]).toMatchObject({ runs: 2, firstPass: 1, failed: 1, failureRate: 0.5 });
    expect(codegen[0]!.prompt).toMatch(/^code\./);

    // The failed run's events say what learning made of it, after the run failed.
    const events = await (await api(`/v1/runs/${failed.id}/events`)).text();
    expect(events).toContain("run failed");
  });
});
