// Proves replayed model runs end to end: free text → planned, generated, tested, deployed and served; the refine loop; budgets; usage.
import { FIXTURES } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

function fixtureTokens(name: string) {
  return FIXTURES[name]!.calls.reduce(
    (sum, c) =>
      sum +
      (c.usage ? c.usage.inputTokens + c.usage.outputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens : 0),
    0,
  );
}

describe("replayed model runs", () => {
  it("builds and serves an app from free text, accounting every model call", async () => {
    const run = await waitForRun(
      (await startRun({ request: "A place for each team to keep its notes", options: { replay: "notes-from-text" } }))
        .id,
    );
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("succeeded");
    expect(run.app?.name).toBe("team-notes");
    expect(run.usage.calls).toBe(5);
    const { calls: _, costUsd, ...tokens } = run.usage;
    expect(Object.values(tokens).reduce((a, b) => a + b, 0)).toBe(fixtureTokens("notes-from-text"));
    expect(costUsd).toBeGreaterThan(0);
    const made = await api("/apps/team-notes/k/red/notes", { method: "POST", json: { text: "ship it" } });
    expect(made.status).toBe(201);
    const note = await json(made);
    expect(note.pinned).toBe(false);
    // The action the model wrote, in the app the compiler built around it.
    const pinned = await api(`/apps/team-notes/k/red/notes/${note.id}/pin`, { method: "POST" });
    expect((await json(pinned)).pinned).toBe(true);
    expect((await json(await api("/apps/team-notes/k/blue/notes"))).items).toHaveLength(0);
  });

  it("sends failing tests back to the refiner and deploys the fixed code", async () => {
    const run = await waitForRun(
      (await startRun({ request: "a shelf of books", options: { replay: "refine-fixes-status" } })).id,
    );
    expect(run.status).toBe("succeeded");
    const codegen = run.stages.find((s) => s.name === "codegen")!;
    expect(codegen.rounds).toBe(2);
    expect(run.stages.find((s) => s.name === "testing")!.rounds).toBe(2);
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toMatch(/testing succeeded: tests failed: unit \d+\/\d+, examples 0\/1/);
    expect(events).toContain("codegen succeeded (round 1): refined 1 action(s) (shelve)");
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    expect(tests.round).toBe(1);
    expect(tests.reports.map((r: { kind: string }) => r.kind)).toEqual([
      "unit",
      "examples",
      "integration",
      "security",
      "performance",
    ]);
    expect(tests.reports.every((r: { ok: boolean }) => r.ok)).toBe(true);
    expect((await api("/apps/shelf/books", { method: "POST", json: { title: "Dune" } })).status).toBe(201);
    expect((await api("/apps/shelf/shelve", { method: "POST", json: { title: "Emma" } })).status).toBe(201);
  });

  // Hand-written fixture with no refine answer for `count`: a refiner that rewrote it too would miss the
  // replay and fail the run, and the deployed count must be the code generator's, byte for byte.
  it("rewrites only the failing one of two model-written actions", async () => {
    const run = await waitForRun(
      (await startRun({ request: "a shelf of books with a count", options: { replay: "refine-two-actions" } })).id,
    );
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toContain("codegen succeeded (round 1): refined 1 action(s) (shelve)");
    const { files } = await json(await api(`/v1/runs/${run.id}/files`));
    const count = files.find((f: { path: string }) => f.path === "actions/count.js");
    const written = FIXTURES["refine-two-actions"]!.calls.find((c) => c.task === "code" && c.action === "count")!;
    expect(count.content).toContain((written.answer as { code: string }).code.trim());
    expect((await api("/apps/two-shelf/shelve", { method: "POST", json: { title: "Emma" } })).status).toBe(201);
    expect(await json(await api("/apps/two-shelf/count"))).toEqual({ books: 1 });
  });

  it("stops when the refiner repeats itself, and leaves the live version alone", async () => {
    // v1 has the contract the fixture's spec keeps (books with a title), so v2 breaks no client.
    const books = { name: "book", plural: "books", fields: { title: { type: "string", required: true } } } as const;
    const first = await waitForRun(
      (await startRun({ request: "v1", spec: { name: "stalled-shelf", entities: [books] } })).id,
    );
    expect(first.status).toBe("succeeded");
    const run = await waitForRun((await startRun({ request: "v2", options: { replay: "refine-stalls" } })).id);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("refine_stalled");
    expect(run.stages.find((s) => s.name === "deploy")!.status).toBe("pending");
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    const examples = tests.reports.find((r: { kind: string }) => r.kind === "examples");
    expect(examples.ok).toBe(false);
    expect(JSON.stringify(examples.cases)).toContain("status 200, want 201");
    const app = await json(await api("/v1/apps/stalled-shelf"));
    expect(app.liveVersion).toBe(1);
    expect(app.versions).toHaveLength(1);
    expect((await api("/apps/stalled-shelf/books", { method: "POST", json: { title: "still v1" } })).status).toBe(201);
  });

  it("stops a run that spends its token budget", async () => {
    const run = await waitForRun(
      (await startRun({ request: "notes", options: { replay: "notes-from-text", tokenBudget: 2000 } })).id,
    );
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("budget_exceeded");
    expect(run.stages.find((s) => s.name === "planning")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("refuses a fixture that does not exist", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "x", options: { replay: "no-such-fixture" } },
    });
    expect(res.status).toBe(422);
    expect((await json(res)).error.code).toBe("unknown_fixture");
  });
});

describe("refine rounds", () => {
  it("fail the run after the last round when every round fails differently", async () => {
    const run = await waitForRun((await startRun({ request: "worn", options: { replay: "refine-exhausts" } })).id);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("tests_failed");
    expect(run.error?.message).toContain("after 3 refine round(s)");
    expect(run.stages.find((s) => s.name === "codegen")!.rounds).toBe(4);
    expect((await api("/v1/apps/worn-shelf")).status).toBe(404);
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    expect(tests.round).toBe(3);
    expect(tests.reports.some((r: { ok: boolean }) => !r.ok)).toBe(true);
  });
});
