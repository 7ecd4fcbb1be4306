// Proves the learning stage: the knowledge base API, lessons learned from refine rounds, scoring, the model updater, and a replayed experiment where learning saves refine rounds.

import { env } from "cloudflare:workers";
import { chooseModel, lessonsFromReview, seededRandom } from "@aidevos/learning";
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
  const record = (model: string, runs: number, firstPass: number, extra: Record<string, number> = {}) => ({
    model,
    runs,
    firstPass,
    ...extra,
  });

  it("tries the default first, escalates after repeated failures, and says why", () => {
    expect(chooseModel(["small"], [], never)).toEqual({ model: "small", reason: "small is the only configured model" });
    expect(chooseModel(["small", "big"], [record("small", 2, 0)], never).model).toBe("small");
    const escalated = chooseModel(["small", "big"], [record("small", 4, 1)], never);
    expect(escalated).toEqual({ model: "big", reason: "small passed first time in 1 of 4 runs; escalating to big" });
    expect(chooseModel(["small", "big"], [record("small", 4, 3)], never).model).toBe("small");
  });

  it("chooses by measured outcome: first passes, failures, refine rounds and cost", () => {
    // Equal first-pass rates: the cheaper model wins on cost.
    const cheaper = chooseModel(
      ["small", "big"],
      [record("small", 10, 8, { cost: 1, refineRounds: 2 }), record("big", 10, 8, { cost: 5, refineRounds: 2 })],
      never,
    );
    expect(cheaper.model).toBe("small");
    expect(cheaper.reason).toContain(
      "small (first pass 8/10, 0 failed, 0.2 refine rounds and $0.1 per run) scores best",
    );
    // The bigger model fails less and passes first time more often: worth its cost.
    const better = chooseModel(
      ["small", "big"],
      [
        record("small", 10, 5, { failed: 3, cost: 0.5, refineRounds: 9 }),
        record("big", 10, 9, { cost: 2, refineRounds: 1 }),
      ],
      never,
    );
    expect(better.model).toBe("big");
    expect(better.reason).toContain("against small (first pass 5/10, 3 failed");
  });

  it("explores another model on a small share of choices, reproducibly per run", () => {
    const stats = [record("small", 10, 9), record("big", 10, 9, { cost: 3 })];
    expect(chooseModel(["small", "big"], stats, () => 0.05)).toEqual({
      model: "big",
      reason: "exploring big (10% of choices explore)",
    });
    // Seeded by the run: the same run id always chooses the same way; over many runs about a tenth explore.
    const choose = (runId: string) => chooseModel(["small", "big"], stats, seededRandom(runId)).model;
    expect(choose("run-42")).toBe(choose("run-42"));
    const explored = Array.from({ length: 1000 }, (_, i) => choose(`run-${i}`)).filter((m) => m === "big").length;
    expect(explored).toBeGreaterThan(60);
    expect(explored).toBeLessThan(140);
  });
});

describe("learning from runs", () => {
  it("needs fewer refine rounds for similar requests once a failure's lesson is learned", async () => {
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

    const lessons = (await json(await api("/v1/knowledge?q=shelve%20example"))).items.filter(
      (e: { source: string }) => e.source === "learned",
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
