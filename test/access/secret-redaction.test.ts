// Proves no secret value reaches a run's report (issue 26, attack 4): an example whose diff and body
// excerpt would show a value the action read from ctx.secrets fails the run, and GET /v1/runs/{id},
// its events and /v1/runs/{id}/tests show `[secret NAME]` in its place, never the value; and an
// action that answers 500 with a secret in its message leaves the value out of the app's error
// groups and feed.
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
  }, 150_000);
});

describe("secret values in error groups", () => {
  it("are redacted as [secret NAME] in the app's error groups and feed", async () => {
    const name = uniqueName("sec-err");
    const planted = `tok-${crypto.randomUUID()}`;
    expect((await putSecret(name, "API_TOKEN", planted)).status).toBe(204);
    const spec: AppSpecInput = {
      name,
      partition: "single",
      secrets: ["API_TOKEN"],
      entities: [],
      actions: [
        {
          name: "leak",
          method: "POST",
          path: "/leak",
          code: 'export default async (req, ctx) => ctx.error(500, "leaky", "upstream refused " + ctx.secrets.API_TOKEN);',
          examples: [{ method: "POST", path: "/leak", status: 500 }],
        },
      ],
    };
    const run = await waitForRun((await startRun({ request: "r", spec })).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect((await api(`/apps/${name}/leak`, { method: "POST" })).status).toBe(500);
    // Requests reach the monitor through the traffic buffer, in the background.
    let groups: unknown[] = [];
    // Up to 120 s: in the whole suite the buffer's shard and the monitor share two cores with every other file.
    for (let waited = 0; groups.length === 0 && waited < 120_000; waited += 200) {
      groups = (await json(await api(`/v1/apps/${name}/errors`))).items;
      if (groups.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(groups).toHaveLength(1);
    const errors = await (await api(`/v1/apps/${name}/errors`)).text();
    const feed = await (await api(`/v1/apps/${name}/feed`)).text();
    for (const [what, text] of Object.entries({ errors, feed })) expect(text, what).not.toContain(planted);
    expect(errors).toContain("upstream refused [secret API_TOKEN]");
  }, 150_000);
});
