// Proves the default planning prompt is spec.v3 and measures it against spec.v2, paired, through the real
// Anthropic SDK and the loopback fake: cookbook cases (test/acceptance/cases) are each run once with each spec
// prompt, the model updater made to choose it, and the arms end the same way (status, refine rounds, model
// calls); an accounts request ("private notes per signed-in user") answered as spec.v3 asks (accounts, an
// owned entity, examples that sign up) validates, passes its examples and keeps each user's notes apart.
// The fake answers what it is scripted to whatever the prompt says, so this measures the pipeline's side of
// a prompt switch (each prompt reaches the provider, runs end the same, what the spec call costs in input);
// how a live model answers each wording is what the model updater measures on live runs.

import { env } from "cloudflare:workers";
import { AppSpec, type Run } from "@aidevos/core";
import { prompt, promptVersions } from "@aidevos/llm";
import { knowledgeBaseOf } from "@aidevos/objects";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScriptedResponse } from "../fakes/anthropic-server";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, fakeModel, planning } from "./support";

const settings = env as unknown as Record<string, string | undefined>;
const CHANGED = ["ANTHROPIC_API_KEY", "AIDEVOS_MODEL"] as const;
const saved: Partial<Record<(typeof CHANGED)[number], string | undefined>> = {};
beforeEach(() => {
  for (const name of CHANGED) saved[name] = settings[name];
});
afterEach(() => {
  for (const name of CHANGED) settings[name] = saved[name];
});

interface Case {
  request: string;
  spec: Record<string, unknown>;
  options?: Record<string, unknown>;
}
const CASES = import.meta.glob<Case>("../acceptance/cases/*.json", { eager: true, import: "default" });
/**
 * The cases a test run pairs: the accounts kinds (private notes, public reads, perKey with accounts) and an
 * app without accounts that calls an upstream. docs/benchmarks.md's table pairs all 18, with
 * SAMPLE set to every case; each pair takes two whole runs, so the suite runs a sample.
 */
const SAMPLE = ["private-notes-accounts", "public-board", "team-tasks", "weather-proxy"];

/** What one run with one spec prompt came to. */
interface Outcome {
  prompt: string;
  status: Run["status"];
  refineRounds: number;
  calls: number;
  /** Characters of the spec call's system prompt (the part a prompt version changes). */
  specSystemChars: number;
}

/**
 * One run of `request` whose model answers are `responses`, with the model updater made to choose the spec
 * prompt `version`: the default is what a model with no record is tried with first; another version wins once
 * its record (3 first passes in 3 runs) beats the default's (2 in 3), and is also what exploring picks.
 */
async function runWith(version: string, request: string, responses: ScriptedResponse[], options?: unknown) {
  const model = `claude-sonnet-${uniqueName("spec")}`;
  const key = `sk-ant-fake-spec-default-${uniqueName("k")}`;
  settings.AIDEVOS_MODEL = model;
  settings.ANTHROPIC_API_KEY = key;
  const [first] = promptVersions("spec");
  if (version !== first) {
    const kb = knowledgeBaseOf(env);
    for (let i = 0; i < 3; i++) {
      await kb.record("planning", model, first!, { refineRounds: i < 2 ? 0 : 1, cost: 0.01, failed: false });
      await kb.record("planning", model, version, { refineRounds: 0, cost: 0.01, failed: false });
    }
  }
  const { script, sent } = fakeModel(key);
  await script(responses);
  const done = await waitForRun((await startRun({ request, ...(options ? { options } : {}) })).id, 60_000);
  const requests = await sent();
  const events = await (await api(`/v1/runs/${done.id}/events`)).text();
  const specSystem: string = requests[0].system.map((b: { text: string }) => b.text).join("");
  const codegen = done.stages.find((s) => s.name === "codegen");
  const outcome: Outcome = {
    prompt: events.match(/prompt (spec\.v\d+)\)/)?.[1] ?? "none",
    status: done.status,
    refineRounds: Math.max(0, (codegen?.rounds ?? 1) - 1),
    calls: requests.length,
    specSystemChars: specSystem.length,
  };
  // The prompt the events name is the text the provider was sent.
  expect(specSystem).toContain(prompt("spec", version).text);
  return { done, outcome, requests };
}

const table: string[] = [];
afterAll(() => {
  // The paired figures, for docs/benchmarks.md.
  console.log(["case | spec.v2 | spec.v3", ...table].join("\n"));
});

describe("the default planning prompt", () => {
  it("is spec.v3, the first arm the model updater tries", () => {
    expect(promptVersions("spec")).toEqual(["spec.v3", "spec.v2"]);
    expect(prompt("spec").version).toBe("spec.v3");
    // The other tasks keep their defaults (code generation's arm is chosen on its own record).
    expect(prompt("code").version).toBe("code.v2");
    expect(prompt("architecture").version).toBe("architecture.v2");
  });

  it("ends cookbook cases as spec.v2 does, in as many refine rounds and model calls", {
    timeout: 300_000,
  }, async () => {
    const names = Object.keys(CASES)
      .sort()
      .filter((f) => SAMPLE.some((s) => f.endsWith(`/${s}.json`)));
    expect(names).toHaveLength(SAMPLE.length);
    let v2Chars = 0;
    let v3Chars = 0;
    for (const file of names) {
      const c = CASES[file]!;
      const outcomes: Record<string, Outcome> = {};
      for (const version of ["spec.v2", "spec.v3"]) {
        const spec = AppSpec.parse(
          JSON.parse(
            JSON.stringify({ ...c.spec, name: uniqueName("cb") }).replaceAll("{{upstream}}", "http://127.0.0.1:9"),
          ),
        );
        // A planning answer, then a review with no findings (every cookbook action has its code).
        const { outcome } = await runWith(version, c.request, [...planning(spec), answer({ findings: [] })], c.options);
        expect(outcome.prompt, file).toBe(version);
        outcomes[version] = outcome;
      }
      const [v2, v3] = [outcomes["spec.v2"]!, outcomes["spec.v3"]!];
      expect({ ...v3, prompt: "", specSystemChars: 0 }, file).toEqual({ ...v2, prompt: "", specSystemChars: 0 });
      v2Chars += v2.specSystemChars;
      v3Chars += v3.specSystemChars;
      const show = (o: Outcome) =>
        `${o.status}, ${o.refineRounds} rounds, ${o.calls} calls, ${o.specSystemChars} chars`;
      table.push(`${file.split("/").pop()} | ${show(v2)} | ${show(v3)}`);
    }
    table.push(
      `mean spec system prompt | ${Math.round(v2Chars / names.length)} chars | ${Math.round(v3Chars / names.length)} chars`,
    );
  });

  it("plans an accounts request as spec.v3 asks: accounts and an owned entity that validate, pass their examples and keep users apart", {
    timeout: 120_000,
  }, async () => {
    const text = prompt("spec").text;
    for (const phrase of ['"accounts"', '"owner": "user"', '"read": "public"', '"modules"', "Bearer {{token}}"])
      expect(text).toContain(phrase);
    const name = uniqueName("privnotes");
    // What the prompt asks for: accounts, not hand-written hashing; notes owned by their user; examples
    // that sign up, save the token and send it; a count action whose code code generation writes.
    const planned = {
      name,
      accounts: {},
      entities: [
        {
          name: "note",
          plural: "notes",
          owner: "user",
          fields: { text: { type: "string", required: true, maxLength: 500 } },
        },
      ],
      actions: [
        {
          name: "myCount",
          method: "GET",
          path: "/my-count",
          description: "Counts the signed-in user's notes and answers { notes }",
          examples: [
            {
              method: "POST",
              path: "/auth/signup",
              body: { email: "ada@example.com", password: "correct horse battery" },
              status: 201,
              save: { token: "token" },
            },
            {
              method: "POST",
              path: "/notes",
              body: { text: "mine" },
              headers: { authorization: "Bearer {{token}}" },
              status: 201,
            },
            { path: "/my-count", headers: { authorization: "Bearer {{token}}" }, status: 200, json: { notes: 1 } },
          ],
        },
      ],
    };
    const spec = AppSpec.parse(planned);
    expect(spec.accounts).toBeDefined();
    expect(spec.entities[0]!.owner).toBe("user");
    const code =
      'export default async (req, ctx) => {\n  if (!ctx.user) return ctx.error(401, "unauthorized", "sign in");\n  const { items } = await ctx.entities.notes.list({ where: { ownerId: ctx.user.id }, limit: 100 });\n  return { notes: items.length };\n};\n';
    const { done, outcome } = await runWith("spec.v3", "private notes per signed-in user", [
      answer({ spec, requirements: [], acceptanceCriteria: [] }),
      ...planning(spec).slice(1),
      answer({ code }),
      answer({ findings: [] }),
    ]);
    expect(outcome.prompt).toBe("spec.v3");
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");

    // Live: each user sees only their own notes; another user's note answers 404 as a missing one.
    const base = `/apps/${name}`;
    const signUp = async (email: string) =>
      (
        await json<{ token: string }>(
          await api(`${base}/auth/signup`, { method: "POST", json: { email, password: "correct horse battery" } }),
        )
      ).token;
    const ada = { authorization: `Bearer ${await signUp("ada@example.com")}` };
    const bo = { authorization: `Bearer ${await signUp("bo@example.com")}` };
    const note = await json<{ id: string; ownerId: string }>(
      await api(`${base}/notes`, { method: "POST", json: { text: "ada's" }, headers: ada }),
    );
    expect(note.ownerId).toBeTruthy();
    expect((await api(`${base}/notes/${note.id}`, { headers: bo })).status).toBe(404);
    expect((await json<{ items: unknown[] }>(await api(`${base}/notes`, { headers: bo }))).items).toEqual([]);
    expect(await json(await api(`${base}/my-count`, { headers: ada }))).toEqual({ notes: 1 });
    expect(await json(await api(`${base}/my-count`, { headers: bo }))).toEqual({ notes: 0 });
  });
});
