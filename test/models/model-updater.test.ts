// Proves the model updater end to end against the loopback Anthropic API: it chooses per stage among
// configured models × prompt versions by measured outcome, and the choice is what is sent. With the other
// version's record better than the default's (spec.v2 over the default spec.v3, code.v3 over code.v2), the
// next run's spec and code requests carry that prompt text, its events say why, and its outcome is credited
// to it in GET /v1/learning/stats. With AIDEVOS_STRONG_MODEL set,
// a run's events name the default tried first, and after the default's poor record the escalation to
// the strong model, which is the model the code request names.

import { env } from "cloudflare:workers";
import type { AppSpec, ModelStat, Run } from "@aidevos/core";
import { seededRandom } from "@aidevos/learning";
import { prompt, promptVersions } from "@aidevos/llm";
import { knowledgeBaseOf } from "@aidevos/objects";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScriptedResponse } from "../fakes/anthropic-server";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, COUNT_CODE, fakeModel, notesSpec, planning } from "./support";

const settings = env as unknown as Record<string, string | undefined>;
/** This file's own scenario of the fake, so it never takes answers runs.test.ts scripted. */
const KEY = "sk-ant-fake-model-updater";
const CHANGED = ["ANTHROPIC_API_KEY", "AIDEVOS_MODEL", "AIDEVOS_STRONG_MODEL"] as const;
const { script, sent } = fakeModel(KEY);
const saved: Partial<Record<(typeof CHANGED)[number], string | undefined>> = {};

/** A whole run's answers: spec, architecture, tasks, the one action's code, a review with no findings. */
function wholeRun(spec: AppSpec): ScriptedResponse[] {
  return [...planning(spec), answer({ code: COUNT_CODE }), answer({ findings: [] })];
}

async function run(request: string): Promise<{ run: Run; events: string; requests: any[] }> {
  const name = uniqueName("upd");
  await script(wholeRun(notesSpec(name)));
  const done = await waitForRun((await startRun({ request })).id);
  expect(done.error).toBeUndefined();
  expect(done.status).toBe("succeeded");
  const events = await (await api(`/v1/runs/${done.id}/events`)).text();
  return { run: done, events, requests: await sent() };
}

/** Whether the model updater's seeded draw for a run's stage explores (the first draw, under 10%). */
const explores = (runId: string, stage: string) => seededRandom(`${runId}:${stage}`)() < 0.1;

/** Seeds the updater's table through KnowledgeBaseDO's recording RPC, as learning records a run. */
async function seed(stage: string, model: string, promptVersion: string, runs: number, firstPass: number) {
  const kb = knowledgeBaseOf(env);
  for (let i = 0; i < runs; i++)
    await kb.record(stage, model, promptVersion, { refineRounds: i < firstPass ? 0 : 1, cost: 0.01, failed: false });
}

beforeEach(() => {
  for (const name of CHANGED) saved[name] = settings[name];
  settings.ANTHROPIC_API_KEY = KEY;
});
afterEach(() => {
  for (const name of CHANGED) settings[name] = saved[name];
});

describe("the model updater chooses prompt versions", () => {
  it("sends the other spec and code prompt once its record beats the default's, says why, and credits the run to it", async () => {
    const model = `claude-sonnet-${uniqueName("v3")}`;
    settings.AIDEVOS_MODEL = model;
    // Each stage's default (spec.v3, code.v2) passed first time in 2 of 4 runs (not poor enough to
    // escalate), the other version (spec.v2, code.v3) in 4 of 4.
    const arms = {
      planning: promptVersions("spec") as [string, string],
      codegen: promptVersions("code") as [string, string],
    };
    expect(arms).toEqual({ planning: ["spec.v3", "spec.v2"], codegen: ["code.v2", "code.v3"] });
    for (const [stage, [first, other]] of Object.entries(arms)) {
      await seed(stage, model, first, 4, 2);
      await seed(stage, model, other, 4, 4);
    }
    const { run: done, events, requests } = await run("notes with a count");

    // What the provider was sent: the chosen version's text in the spec call and the code call, never the default's.
    const specCall = requests[0];
    const codeCall = requests.find((r) => r.messages[0].content.includes('"action":'));
    expect(specCall.system[0].text).toContain(prompt("spec", "v2").text);
    expect(specCall.system[0].text).not.toContain(prompt("spec", "v3").text);
    expect(codeCall.system[0].text).toContain(prompt("code", "v3").text);
    expect(codeCall.system[0].text).not.toContain(prompt("code", "v2").text);
    expect(codeCall.model).toBe(model);
    // Architecture and review have one prompt version: v2's, as always.
    expect(requests[1].system[0].text).toContain(prompt("architecture").text);

    // The events say what was chosen and why (exploring, with one model, also lands on the other version).
    for (const [stage, [first, other]] of Object.entries(arms)) {
      const why = explores(done.id, stage)
        ? `exploring ${model} with prompt ${other}`
        : `${model} with prompt ${other} (first pass 4/4, 0 failed, 0 refine rounds and $0.01 per run) scores best against ${model} with prompt ${first} (first pass 2/4, 0 failed, 0.5 refine rounds and $0.01 per run)`;
      expect(events).toContain(`model updater: ${model} with prompt ${other} — ${why}`);
    }
    expect(events).toContain(`spec for app`);
    expect(events).toContain("prompt spec.v2)");
    expect(events).toContain(`model updater: recorded a run of ${model} with prompt code.v3 on codegen`);

    // GET /v1/learning/stats shows the table per prompt version, the run counted against the chosen one.
    const { items } = await json<{ items: ModelStat[] }>(await api("/v1/learning/stats"));
    const mine = items.filter((s) => s.model === model).map((s) => [s.stage, s.prompt, s.runs, s.firstPass]);
    expect(mine).toEqual([
      ["codegen", "code.v2", 4, 2],
      ["codegen", "code.v3", 5, 5],
      ["planning", "spec.v2", 5, 5],
      ["planning", "spec.v3", 4, 2],
    ]);
  });
});

describe("the model updater with AIDEVOS_STRONG_MODEL set", () => {
  it("names the default with its prompt version first, and why, in the run's events", async () => {
    const model = `claude-sonnet-${uniqueName("base")}`;
    const strong = `claude-opus-${uniqueName("strong")}`;
    settings.AIDEVOS_MODEL = model;
    settings.AIDEVOS_STRONG_MODEL = strong;
    const { events, requests } = await run("notes with a count");
    for (const [stage, task] of [
      ["planning", "spec"],
      ["codegen", "code"],
    ] as const)
      expect(events, stage).toContain(
        `model updater: ${model} with prompt ${prompt(task).version} — ${model} with prompt ${prompt(task).version} has 0 run(s) on record; trying it first`,
      );
    // The spec and the code were asked of the default (review has its own model, AIDEVOS_REVIEW_MODEL's).
    expect(requests[0].model).toBe(model);
    expect(requests.find((r) => r.messages[0].content.includes('"action":')).model).toBe(model);
  });

  it("escalates code generation to the strong model after the default's poor record, and says so", async () => {
    const model = `claude-sonnet-${uniqueName("poor")}`;
    const strong = `claude-opus-${uniqueName("strong")}`;
    settings.AIDEVOS_MODEL = model;
    settings.AIDEVOS_STRONG_MODEL = strong;
    // The default passed first time in 1 of 4 runs.
    await seed("codegen", model, "code.v2", 4, 1);
    // A run whose seeded draw explores says so instead; the next run's draw is another (bounded).
    for (let attempt = 0; attempt < 5; attempt++) {
      const { run: done, events, requests } = await run("notes with a count");
      if (explores(done.id, "codegen")) {
        expect(events).toContain("model updater: ");
        expect(events).toContain("(10% of choices explore)");
        continue;
      }
      expect(events).toContain(
        `model updater: ${strong} with prompt code.v2 — ${model} with prompt code.v2 passed first time in 1 of 4 runs; escalating to ${strong} with prompt code.v2`,
      );
      const codeCall = requests.find((r) => r.messages[0].content.includes('"action":'));
      expect(codeCall.model).toBe(strong);
      expect(codeCall.system[0].text).toContain(prompt("code", "v2").text);
      // Planning has no record for the default yet: it tries the default first.
      expect(requests[0].model).toBe(model);
      return;
    }
    throw new Error("five runs in a row explored");
  });
});
