// Proves whole runs against the loopback Anthropic API (the "models" project points every run at it): a made-up hash beside the model's action code is ignored and never serves stale code; a blocking review finding goes to the refiner instead of failing the run; model failures end the run with an error named by cause (model_overloaded, model_unreachable, model_output_invalid, model_truncated, budget_exceeded), not stage_failed.

import { compileApp } from "@aidevos/compiler";
import { type AppSpec, bundleHash } from "@aidevos/core";
import { describeArchitecture, planTasks } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import type { ScriptedResponse } from "../fakes/anthropic-server";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, COUNT_CODE, fakeModel, notesSpec, planning } from "./support";

/** The one key every run of this project uses (vitest.config.ts): tests here script it one after another. */
const KEY = "sk-ant-fake-models";
const MADE_UP_HASH = "f".repeat(64);
const { script, sent } = fakeModel(KEY);

/** The bundle the pipeline builds from a spec and the code the model wrote for its action. */
async function built(spec: AppSpec, code: string) {
  return compileApp({ ...spec, actions: spec.actions!.map((a) => ({ ...a, code })) });
}

const NO_FINDINGS = answer({ findings: [] });

describe("runs against a scripted model", () => {
  it("ignores a made-up hash: the code hash is the files' hash, and the same made-up hash never serves stale code", async () => {
    const name = uniqueName("bogus");
    const v1 = notesSpec(name);
    await script([...planning(v1), answer({ code: COUNT_CODE, hash: MADE_UP_HASH }), NO_FINDINGS]);
    const first = await waitForRun((await startRun({ request: "notes" })).id);
    expect(first.error).toBeUndefined();
    expect(first.status).toBe("succeeded");

    const v2 = notesSpec(name, true);
    await script([...planning(v2), answer({ code: COUNT_CODE, hash: MADE_UP_HASH }), NO_FINDINGS]);
    const second = await waitForRun((await startRun({ request: "notes get a tag", app: name })).id);
    expect(second.error).toBeUndefined();
    expect(second.status).toBe("succeeded");
    // The feedback run started from the live spec, with the code that is live.
    const specCall = (await sent())[0];
    expect(specCall.messages[0].content).toContain('"currentSpec":');
    expect(specCall.messages[0].content).toContain(JSON.stringify(COUNT_CODE));

    const app = await json(await api(`/v1/apps/${name}`));
    const hashes = app.versions.map((v: { codeHash: string }) => v.codeHash);
    expect(hashes).toEqual([
      await bundleHash((await built(v1, COUNT_CODE)).files),
      await bundleHash((await built(v2, COUNT_CODE)).files),
    ]);
    expect(hashes).not.toContain(MADE_UP_HASH);
    // v2's code is what serves: a v1 module would not know the tag field and its default.
    const made = await api(`/apps/${name}/notes`, { method: "POST", json: { text: "hello" } });
    expect(made.status).toBe(201);
    expect((await json(made)).tag).toBe("none");
    expect(await json(await api(`/apps/${name}/count`))).toEqual({ notes: 1 });
  });

  it("sends a blocking review finding to the refiner with the round's results, and deploys the refined code", async () => {
    const name = uniqueName("reviewed");
    const spec = notesSpec(name);
    const refined = `// reviewed\n${COUNT_CODE}`;
    const finding = {
      severity: "error",
      rule: "unbounded-list",
      file: "actions/count.js",
      line: 2,
      message: "counts only the first 100 notes",
    };
    await script([
      ...planning(spec),
      answer({ code: COUNT_CODE }),
      answer({ findings: [finding] }),
      answer({ code: refined }),
      NO_FINDINGS,
    ]);
    const run = await waitForRun((await startRun({ request: "notes" })).id);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("succeeded");
    expect(run.stages.find((s) => s.name === "codegen")!.rounds).toBe(2);
    const refine = (await sent()).find((r) => r.messages[0].content.includes('"findings"'));
    expect(refine.messages[0].content).toContain('"findings":[{"severity":"error","rule":"unbounded-list"');
    // The refiner sees the action's current code, not the whole app.
    expect(refine.messages[0].content).toContain(JSON.stringify(COUNT_CODE));
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.versions.at(-1).codeHash).toBe(await bundleHash((await built(spec, refined)).files));
  });

  it("stops a refiner that answers a review finding with the same code (judged on the code, not a hash)", async () => {
    const name = uniqueName("stuck");
    const spec = notesSpec(name);
    await script([
      ...planning(spec),
      answer({ code: COUNT_CODE }),
      answer({ findings: [{ severity: "error", rule: "r1", file: "actions/count.js", message: "blocking" }] }),
      // The same code, a different made-up hash: still the same code.
      answer({ code: COUNT_CODE, hash: "e".repeat(64) }),
    ]);
    const run = await waitForRun((await startRun({ request: "notes" })).id);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("refine_stalled");
    expect(run.error?.message).toContain("review: r1");
  });

  it("keeps the code the user gave, whatever the model answers, and asks the model only for the actions without code", async () => {
    const name = uniqueName("given");
    const planned = notesSpec(name);
    const given = "export default async () => ({ given: true });\n";
    const userSpec = {
      ...planned,
      actions: [...planned.actions!, { name: "who", method: "GET" as const, path: "/who", code: given }],
    };
    // The model's spec rewrites the user's action: that rewrite must not be built.
    const rewritten = {
      ...userSpec,
      actions: [
        ...planned.actions!,
        { ...userSpec.actions[1]!, code: "export default async () => ({ given: false });" },
      ],
    };
    await script([
      answer({ spec: rewritten, requirements: [], acceptanceCriteria: [] }),
      answer(describeArchitecture(rewritten)),
      answer(planTasks(rewritten)),
      answer({ code: COUNT_CODE }),
      NO_FINDINGS,
    ]);
    const run = await waitForRun((await startRun({ request: "notes", spec: userSpec })).id);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("succeeded");
    expect(await json(await api(`/apps/${name}/who`))).toEqual({ given: true });
    expect(await json(await api(`/apps/${name}/count`))).toEqual({ notes: 0 });
    const codeCalls = (await sent()).filter((r) => r.messages[0].content.includes('"action":{'));
    expect(codeCalls).toHaveLength(1);
    expect(codeCalls[0].messages[0].content).toContain('"name":"count"');
  });

  const busy: ScriptedResponse = { status: 529, errorType: "overloaded_error", headers: { "retry-after": "0" } };
  const causes: [string, () => Promise<ScriptedResponse[]>, Record<string, unknown>?][] = [
    // The SDK retries 3 times: 4 answers of 529 exhaust it.
    ["model_overloaded", async () => [busy, busy, busy, busy]],
    ["model_unreachable", async () => Array.from({ length: 4 }, () => ({ hangUp: true }))],
    // One answer and two repairs, all off-contract.
    ["model_output_invalid", async () => Array.from({ length: 3 }, () => answer({ spec: { name: 42 } }))],
    // Cut at 8k, 16k, 32k and the 64k ceiling.
    [
      "model_truncated",
      async () => Array.from({ length: 4 }, () => answer({ spec: {} }, { stopReason: "max_tokens" as const })),
    ],
    [
      "budget_exceeded",
      async () => [
        answer(
          { spec: notesSpec(uniqueName("budget")), requirements: [], acceptanceCriteria: [] },
          { usage: { input_tokens: 5_000, output_tokens: 500 } },
        ),
      ],
      { tokenBudget: 1_000 },
    ],
  ];
  for (const [code, responses, options] of causes) {
    it(`fails the run with ${code} when the model does`, async () => {
      await script(await responses());
      const run = await waitForRun((await startRun({ request: "notes", ...(options ? { options } : {}) })).id);
      expect(run.status).toBe("failed");
      expect(run.error?.code).toBe(code);
      expect(run.stages.find((s) => s.name === "planning")).toMatchObject({ status: "failed", attempts: 1 });
    });
  }
});

describe("patterns retrieved into the spec prompt", () => {
  // Measured, not scripted: what changes with learning is what the model is given, read back from the fake API.
  it("gives the model the closest app pattern's whole spec as a worked example, and nothing when learning is off", async () => {
    const request = "private notes per user that I can search";
    const build = async (learning: boolean) => {
      const spec = notesSpec(uniqueName("memo"));
      await script([...planning(spec), answer({ code: COUNT_CODE }), NO_FINDINGS]);
      const run = await waitForRun((await startRun({ request, options: { learning } })).id, 30_000);
      const events = await (await api(`/v1/runs/${run.id}/events`)).text();
      // What the run gave the model (the user's turn, where <input> is), not the system prompt: a prompt version
      // may say how to use workedExamples without any being given.
      const [specCall, architectureCall] = await sent();
      return {
        run,
        specPrompt: JSON.stringify(specCall.messages),
        architecturePrompt: JSON.stringify(architectureCall.messages),
        events,
      };
    };
    const withPatterns = await build(true);
    expect(withPatterns.run.status, JSON.stringify(withPatterns.run.error)).toBe("succeeded");
    expect(withPatterns.specPrompt).toContain("workedExamples");
    expect(withPatterns.specPrompt).toContain("App pattern: Notes per user");
    // The whole spec, actions included: the pattern's search action and its code.
    expect(withPatterns.specPrompt).toContain("/search");
    expect(withPatterns.specPrompt).toContain("missing_query");
    expect(withPatterns.events).toContain("given to the spec and architecture prompts as worked examples");
    // The architecture designer is given the same patterns' specs.
    expect(withPatterns.architecturePrompt).toContain("workedExamples");
    expect(withPatterns.architecturePrompt).toContain("Notes per user");

    const without = await build(false);
    expect(without.run.status, JSON.stringify(without.run.error)).toBe("succeeded");
    expect(without.specPrompt).not.toContain("workedExamples");
    expect(without.specPrompt).not.toContain("App pattern:");
    expect(without.architecturePrompt).not.toContain("workedExamples");
    // Two whole runs, each given up to 30 s by waitForRun: the test's budget covers both on a loaded machine.
  }, 90_000);
});
