// Proves the learning stage: the knowledge base API, lessons learned from refine rounds, scoring, the model updater, and a replayed experiment where learning saves refine rounds.

import { env } from "cloudflare:workers";
import { chooseArm, lessonsFromReview, seededRandom } from "@aidevos/learning";
import { knowledgeBaseOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

describe("the knowledge base API", () => {
  it("lists the seeded practices and searches them", async () => {
    const all = await json(await api("/v1/knowledge"));
    expect(all.items.filter((e: { source: string }) => e.source === "seed").length).toBeGreaterThanOrEqual(8);
    const found = await json(await api("/v1/knowledge?q=concurrent%20increments"));
    expect(found.items[0].title).toBe("Atomic counters with one upsert");
    expect((await json(await api("/v1/knowledge?q=%22%29%28*"))).items).toEqual([]);
  });

  it("adds, deduplicates, edits and retires entries", async () => {
    const body = {
      title: "Index the columns lists filter by",
      body: "Filters on large tables need an index.",
      stage: "codegen",
    };
    const added = await api("/v1/knowledge", { method: "POST", json: body });
    expect(added.status).toBe(201);
    const entry = await json(added);
    expect(entry).toMatchObject({ source: "user", kind: "practice", score: 0, retired: false });
    const again = await api("/v1/knowledge", { method: "POST", json: { ...body, evidence: ["seen in run x"] } });
    expect(again.status).toBe(200);
    expect((await json(again)).evidence).toContain("seen in run x");
    const edited = await json(await api(`/v1/knowledge/${entry.id}`, { method: "PATCH", json: { score: 3 } }));
    expect(edited.score).toBe(3);
    const retired = await json(await api(`/v1/knowledge/${entry.id}/retire`, { method: "POST" }));
    expect(retired.retired).toBe(true);
    const active = await json(await api("/v1/knowledge?retired=false&q=index%20columns"));
    expect(active.items.map((e: { id: string }) => e.id)).not.toContain(entry.id);
    expect((await api("/v1/knowledge/nope/retire", { method: "POST" })).status).toBe(404);
    expect((await api(`/v1/knowledge/${entry.id}`, { method: "PATCH", json: {} })).status).toBe(400);
    expect((await api("/v1/knowledge", { method: "POST", json: { title: "x" } })).status).toBe(400);
  });
});

describe("lesson extraction", () => {
  it("turns review findings into lessons, one per rule", () => {
    const lessons = lessonsFromReview("run-1", [
      { severity: "warning", rule: "unbounded-list", message: "list has no limit", file: "app.js", line: 3 },
    ]);
    expect(lessons).toEqual([
      expect.objectContaining({
        kind: "lesson",
        stage: "codegen",
        title: "Review rule unbounded-list",
        evidence: ["run run-1"],
      }),
    ]);
    expect(lessons[0]!.body).toContain("list has no limit");
  });
});

describe("the model updater", () => {
  const never = () => 0.99; // a draw that never explores
  const V2 = ["code.v2"];
  const record = (model: string, runs: number, firstPass: number, extra: Record<string, number | string> = {}) => ({
    model,
    prompt: "code.v2",
    runs,
    firstPass,
    ...extra,
  });

  it("tries the default first, escalates after repeated failures, and says why", () => {
    expect(chooseArm(["small"], V2, [], never)).toEqual({
      model: "small",
      prompt: "code.v2",
      reason: "small with prompt code.v2 is the only configured choice",
    });
    expect(chooseArm(["small", "big"], V2, [record("small", 2, 0)], never).model).toBe("small");
    const escalated = chooseArm(["small", "big"], V2, [record("small", 4, 1)], never);
    expect(escalated).toEqual({
      model: "big",
      prompt: "code.v2",
      reason: "small with prompt code.v2 passed first time in 1 of 4 runs; escalating to big with prompt code.v2",
    });
    expect(chooseArm(["small", "big"], V2, [record("small", 4, 3)], never).model).toBe("small");
  });

  it("chooses by measured outcome: first passes, failures, refine rounds and cost", () => {
    // Equal first-pass rates: the cheaper model wins on cost.
    const cheaper = chooseArm(
      ["small", "big"],
      V2,
      [record("small", 10, 8, { cost: 1, refineRounds: 2 }), record("big", 10, 8, { cost: 5, refineRounds: 2 })],
      never,
    );
    expect(cheaper.model).toBe("small");
    expect(cheaper.reason).toContain(
      "small with prompt code.v2 (first pass 8/10, 0 failed, 0.2 refine rounds and $0.1 per run) scores best",
    );
    // The bigger model fails less and passes first time more often: worth its cost.
    const better = chooseArm(
      ["small", "big"],
      V2,
      [
        record("small", 10, 5, { failed: 3, cost: 0.5, refineRounds: 9 }),
        record("big", 10, 9, { cost: 2, refineRounds: 1 }),
      ],
      never,
    );
    expect(better.model).toBe("big");
    expect(better.reason).toContain("against small with prompt code.v2 (first pass 5/10, 3 failed");
  });

  it("chooses among prompt versions too: the version with the better record wins, on the same model", () => {
    const prompts = ["code.v2", "code.v3"];
    const stats = [
      record("small", 6, 3, { refineRounds: 4, cost: 0.3 }),
      record("small", 6, 5, { prompt: "code.v3", refineRounds: 1, cost: 0.3 }),
    ];
    const chosen = chooseArm(["small"], prompts, stats, never);
    expect(chosen.model).toBe("small");
    expect(chosen.prompt).toBe("code.v3");
    expect(chosen.reason).toBe(
      "small with prompt code.v3 (first pass 5/6, 0 failed, 0.17 refine rounds and $0.05 per run) scores best against small with prompt code.v2 (first pass 3/6, 0 failed, 0.67 refine rounds and $0.05 per run)",
    );
    // The same records the other way round: v2 wins.
    const flipped = stats.map((s) => ({ ...s, prompt: s.prompt === "code.v2" ? "code.v3" : "code.v2" }));
    expect(chooseArm(["small"], prompts, flipped, never).prompt).toBe("code.v2");
    // Across models and versions at once: the best arm of the four, whichever model it is.
    const arms = chooseArm(
      ["small", "big"],
      prompts,
      [...stats, record("big", 6, 5, { cost: 3 }), record("big", 6, 4, { prompt: "code.v3", cost: 3 })],
      never,
    );
    expect([arms.model, arms.prompt]).toEqual(["small", "code.v3"]);
  });

  it("needs enough runs on record: the default arm first, and an arm with too few runs never wins on its record", () => {
    const prompts = ["code.v2", "code.v3"];
    // v3's two perfect runs are too few to count, and the default has too few to judge: the default.
    const few = [record("small", 2, 0), record("small", 2, 2, { prompt: "code.v3" })];
    expect(chooseArm(["small"], prompts, few, never)).toEqual({
      model: "small",
      prompt: "code.v2",
      reason: "small with prompt code.v2 has 2 run(s) on record; trying it first",
    });
    // A good default measured, v3 still under the minimum: the default stays.
    const measured = [record("small", 5, 4), record("small", 2, 2, { prompt: "code.v3" })];
    expect(chooseArm(["small"], prompts, measured, never).prompt).toBe("code.v2");
    // A poor default with a strong model configured escalates to the strong model before another wording.
    const poor = [record("small", 4, 1)];
    const escalated = chooseArm(["small", "big"], prompts, poor, never);
    expect([escalated.model, escalated.prompt]).toEqual(["big", "code.v2"]);
    // With one model, to the next prompt version.
    expect(chooseArm(["small"], prompts, poor, never).prompt).toBe("code.v3");
  });

  it("explores another arm on a small share of choices, reproducibly per run", () => {
    const stats = [record("small", 10, 9), record("big", 10, 9, { cost: 3 })];
    expect(chooseArm(["small", "big"], V2, stats, () => 0.05)).toEqual({
      model: "big",
      prompt: "code.v2",
      reason: "exploring big with prompt code.v2 (10% of choices explore)",
    });
    // Seeded by the run: the same run id always chooses the same way; over many runs about a tenth explore.
    const choose = (runId: string) => chooseArm(["small", "big"], V2, stats, seededRandom(runId)).model;
    expect(choose("run-42")).toBe(choose("run-42"));
    const explored = Array.from({ length: 1000 }, (_, i) => choose(`run-${i}`)).filter((m) => m === "big").length;
    expect(explored).toBeGreaterThan(60);
    expect(explored).toBeLessThan(140);
    // With prompt versions the explored arm is drawn the same way, so a run replays its choice.
    const prompts = ["code.v2", "code.v3"];
    const arm = (runId: string) => {
      const c = chooseArm(["small"], prompts, [record("small", 10, 9)], seededRandom(runId));
      return `${c.model}/${c.prompt}`;
    };
    const runs = Array.from({ length: 200 }, (_, i) => `run-${i}`);
    expect(runs.map(arm)).toEqual(runs.map(arm));
    expect(runs.map(arm)).toContain("small/code.v3");
  });
});

describe("learning from runs", () => {
  it("needs fewer refine rounds for similar requests once a failure's lesson is learned", {
    timeout: 120_000,
  }, async () => {
    const sequence = async (learning: boolean) => {
      const rounds: number[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await waitForRun(
          (await startRun({ request: `catalog ${i}`, options: { replay: "catalog-status", learning } })).id,
        );
        expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
        rounds.push(run.stages.find((s) => s.name === "codegen")!.rounds - 1);
      }
      return rounds;
    };
    const without = await sequence(false);
    const withLearning = await sequence(true);
    console.log(
      `refine rounds for 3 similar requests — learning off: ${without.join(", ")}; learning on: ${withLearning.join(", ")}`,
    );
    expect(without).toEqual([1, 1, 1]);
    expect(withLearning).toEqual([1, 0, 0]);

    // The healthy catalog deploys are learned as an app pattern too (its action is POST /shelve): only lessons count here.
    const lessons = (await json(await api("/v1/knowledge?q=shelve%20example"))).items.filter(
      (e: { source: string; kind: string }) => e.source === "learned" && e.kind === "lesson",
    );
    expect(lessons).toHaveLength(1);
    expect(lessons[0].title).toContain("shelve example 1");
    expect(lessons[0].score).toBe(2);
    const stats = await knowledgeBaseOf(env).modelStats("codegen");
    // Per model and prompt version: code written first time by the code prompt, or last by the refine prompt.
    expect(stats).toEqual([
      expect.objectContaining({
        model: "claude-sonnet-4-6",
        prompt: "code.v2",
        runs: 2,
        firstPass: 2,
        refineRounds: 0,
      }),
      expect.objectContaining({
        model: "claude-sonnet-4-6",
        prompt: "refine.v2",
        runs: 4,
        firstPass: 0,
        refineRounds: 4,
      }),
    ]);
  });
});
