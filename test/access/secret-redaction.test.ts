// Proves no secret value reaches a run's report (issue 26, attack 4): an example whose diff and body
// excerpt would show a value the action read from ctx.secrets fails the run, and GET /v1/runs/{id},
// its events and /v1/runs/{id}/tests show `[secret NAME]` in its place, never the value.
import type { AppSpecInput, Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { putSecret } from "./support";

function leakySpec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    secrets: ["API_TOKEN"],
    entities: [],
    actions: [
      {
        name: "echo",
        method: "GET",
        path: "/echo",
        code: "export default async (req, ctx) => ({ v: ctx.secrets.API_TOKEN });",
        // Wrong on purpose: the failing step's message shows the body and the diff of $.v.
        examples: [{ method: "GET", path: "/echo", status: 201, json: { v: "not-the-token" } }],
      },
    ],
  };
}

describe("secret values in run reports", () => {
  it("are redacted as [secret NAME] in the run, its events and its test reports", async () => {
    const name = uniqueName("sec-diff");
    const planted = `tok-${crypto.randomUUID()}`;
    expect((await putSecret(name, "API_TOKEN", planted)).status).toBe(204);
    const run: Run = await waitForRun((await startRun({ request: "r", spec: leakySpec(name) })).id, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("examples_failed");

    const answers = {
      run: await (await api(`/v1/runs/${run.id}`)).text(),
      // The stream closes once the run has ended.
      events: await (await api(`/v1/runs/${run.id}/events`)).text(),
      tests: await (await api(`/v1/runs/${run.id}/tests`)).text(),
    };
    for (const [what, text] of Object.entries(answers)) {
      expect(text, what).not.toContain(planted);
      expect(text, what).toContain("[secret API_TOKEN]");
    }
    // The diff is still there to read, with the value named instead of shown.
    expect(answers.run).toContain('$.v = \\"[secret API_TOKEN]\\"');
  }, 90_000);
});
