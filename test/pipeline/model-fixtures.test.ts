// Proves the pipeline survives answers shaped like a real model's: each hand-written fixture (packages/llm/fixtures,
// origin "hand-written") replayed through the public API ends as the fixture says (status, error, refine rounds),
// and the apps that ship answer their actions' examples: fenced code is unfenced, a made-up hash is ignored, a cut
// answer is asked again, a review error and a failed example are refined, a wrong ctx API is named and refined, and
// a refiner that never converges stops with failures_repeated, a module planned without code is written before
// the action that imports it, and a bug in a module a failing action imports is fixed in the module by the refine
// round, the action's code kept.
import { compileApp } from "@aidevos/compiler";
import { AppSpec, bundleHash } from "@aidevos/core";
import { FIXTURES } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

const HAND_WRITTEN = [
  "fenced-code",
  "bogus-hash",
  "truncated",
  "review-finds-bug",
  "fails-example",
  "wrong-ctx-api",
  "never-converges",
  "refine-two-actions",
  "module-code",
  "refine-module",
];

/** The spec a fixture's model writes (its spec answer). */
function specOf(fixture: string): AppSpec {
  return AppSpec.parse((FIXTURES[fixture]!.calls.find((c) => c.task === "spec")!.answer as { spec: unknown }).spec);
}

function fixtureTokens(fixture: string): number {
  return FIXTURES[fixture]!.calls.reduce(
    (sum, c) =>
      sum +
      (c.usage ? c.usage.inputTokens + c.usage.outputTokens + c.usage.cacheReadTokens + c.usage.cacheWriteTokens : 0),
    0,
  );
}

type Replayed = { run: Awaited<ReturnType<typeof waitForRun>>; events: string };
const replayed = new Map<string, Promise<Replayed>>();

/** Replays a fixture once per test file (its app name is fixed): later tests look at the same run. */
function replay(fixture: string): Promise<Replayed> {
  let done = replayed.get(fixture);
  if (!done) {
    done = (async () => {
      const started = await startRun({ request: "a tip jar that shows its total", options: { replay: fixture } });
      const run = await waitForRun(started.id);
      const events = await (await api(`/v1/runs/${run.id}/events`)).text();
      return { run, events };
    })();
    replayed.set(fixture, done);
  }
  return done;
}

/** Plays an app's action examples against the live app (status and json as subsets, saved vars filled). */
async function playExamples(spec: AppSpec) {
  for (const action of spec.actions ?? []) {
    for (const step of action.examples ?? []) {
      const res = await api(`/apps/${spec.name}${step.path}`, {
        method: step.method ?? "GET",
        ...(step.body !== undefined ? { json: step.body } : {}),
      });
      expect(res.status, `${action.name} ${step.method ?? "GET"} ${step.path}`).toBe(step.status);
      const body = await res.text();
      if (step.json !== undefined) expect(JSON.parse(body)).toMatchObject(step.json as object);
    }
  }
}

describe("hand-written model fixtures", () => {
  it("are labelled as hand-written, with illustrative usage and the outcome each must produce", () => {
    for (const name of HAND_WRITTEN) {
      const fixture = FIXTURES[name]!;
      expect(fixture.origin).toBe("hand-written");
      expect(fixture.note).toMatch(/not recorded.*illustrative/);
      expect(fixture.outcome).toBeDefined();
    }
  });

  for (const name of HAND_WRITTEN) {
    it(`${name}: ends as the fixture says, through the public API`, async () => {
      const { run } = await replay(name);
      const outcome = FIXTURES[name]!.outcome!;
      expect(run.error?.code).toBe(outcome.error);
      expect(run.status).toBe(outcome.status);
      expect(run.stages.find((s) => s.name === "codegen")!.rounds).toBe(outcome.rounds + 1);
      // Every answer's tokens are accounted, a cut one's too.
      const { calls: _, costUsd: __, ...tokens } = run.usage;
      expect(Object.values(tokens).reduce((a, b) => a + b, 0)).toBe(fixtureTokens(name));
    });
  }
});

describe("what each fixture exercises", () => {
  it("module-code: the module planned without code is written (unfenced) before its action, and ships with it", async () => {
    const { run, events } = await replay("module-code");
    expect(run.status).toBe("succeeded");
    expect(events).toContain("generated 1 module(s) (money) and 1 action(s) (mine)");
    // spec, architecture, tasks, the module, the action, review.
    expect(run.usage.calls).toBe(6);
    const files = await json(await api(`/v1/runs/${run.id}/files`));
    const money = files.files.find((f: { path: string }) => f.path === "actions/money.js");
    expect(money.content).toMatch(/^export function formatCents\(cents\) \{/);
    expect(money.content).not.toContain("```");
    const app = await json(await api("/v1/apps/tips-modules"));
    expect(app.spec.modules[0]).toMatchObject({ name: "money", code: money.content });
    // The examples held on staging (the gate); the live app answers the same, per user.
    const signup = await json(
      await api("/apps/tips-modules/auth/signup", {
        method: "POST",
        json: { email: "live@example.com", password: "live password 1" },
      }),
    );
    const auth = { authorization: `Bearer ${signup.token}` };
    expect(
      (await api("/apps/tips-modules/tips", { method: "POST", json: { amount: 1999 }, headers: auth })).status,
    ).toBe(201);
    expect(await json(await api("/apps/tips-modules/mine", { headers: auth }))).toEqual({
      count: 1,
      total: 1999,
      formatted: "$19.99",
    });
    expect((await api("/apps/tips-modules/mine")).status).toBe(401);
  });

  it("refine-module: the bug in the imported module is fixed in the module, the action's code kept", async () => {
    const { run, events } = await replay("refine-module");
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    // Round 0 wrote the module and the action; the total example failed; round 1 rewrote the module alone.
    expect(events).toContain("generated 1 module(s) (money) and 1 action(s) (total)");
    expect(events).toContain("refined 1 module(s) (money) and 0 action(s)");
    const calls = FIXTURES["refine-module"]!.calls;
    const written = (f: (c: (typeof calls)[number]) => boolean) => (calls.find(f)!.answer as { code: string }).code;
    const refined = calls.find((c) => c.task === "refine")!.answer as { modules: { code: string }[] };
    const files = await json(await api(`/v1/runs/${run.id}/files`));
    const file = (path: string) => files.files.find((f: { path: string }) => f.path === path).content;
    expect(file("actions/money.js")).toBe(refined.modules[0]!.code);
    expect(file("actions/money.js")).not.toBe(written((c) => c.module === "money"));
    expect(file("actions/total.js")).toBe(written((c) => c.action === "total"));
    const app = await json(await api("/v1/apps/tips-module-fix"));
    expect(app.spec.modules[0]).toMatchObject({ name: "money", code: refined.modules[0]!.code });
    await playExamples(specOf("refine-module"));
  });

  it("fenced-code: the module inside the fence is what ships", async () => {
    await replay("fenced-code");
    const app = await json(await api("/v1/apps/tips-fenced"));
    expect(app.liveVersion).toBe(1);
    await playExamples(specOf("fenced-code"));
  });

  it("bogus-hash: the code hash is the files' own, never the model's", async () => {
    const { run } = await replay("bogus-hash");
    expect(run.status).toBe("succeeded");
    const spec = specOf("bogus-hash");
    const answer = FIXTURES["bogus-hash"]!.calls.find((c) => c.task === "code")!.answer as {
      code: string;
      hash: string;
    };
    const bundle = await compileApp({ ...spec, actions: spec.actions!.map((a) => ({ ...a, code: answer.code })) });
    const app = await json(await api("/v1/apps/tips-hash"));
    const hashes = app.versions.map((v: { codeHash: string }) => v.codeHash);
    expect(hashes.at(-1)).toBe(await bundleHash(bundle.files));
    expect(hashes).not.toContain(answer.hash);
  });

  it("truncated: the cut answer is asked again, one call per action, and both actions pass their examples", async () => {
    const { run } = await replay("truncated");
    expect(run.status).toBe("succeeded");
    // spec, architecture, tasks, total, top (cut, then asked again: one call), review.
    expect(run.usage.calls).toBe(6);
    await playExamples(specOf("truncated"));
  });

  it("review-finds-bug: the blocking finding reaches the refiner, which rewrites that action only", async () => {
    const { run, events } = await replay("review-finds-bug");
    expect(run.status).toBe("succeeded");
    expect(events).toContain("review: incomplete-pagination actions/total.js:2");
    expect(events).toContain("1 blocking (sent to the refiner)");
    expect(events).toContain("codegen succeeded (round 1): refined 1 action(s) (total)");
  });

  it("fails-example: free text → spec with examples → refined until the action passes them, live", async () => {
    const { run, events } = await replay("fails-example");
    expect(run.status).toBe("succeeded");
    expect(events).toMatch(/examples: 2 passed, 1 failed/);
    const tests = await json(await api(`/v1/runs/${run.id}/tests`));
    expect(tests.round).toBe(1);
    expect(tests.reports.find((r: { kind: string }) => r.kind === "examples").ok).toBe(true);
    await playExamples(specOf("fails-example"));
  });

  it("wrong-ctx-api: the review names the missing ctx member and the refiner replaces it", async () => {
    const { run, events } = await replay("wrong-ctx-api");
    expect(run.status).toBe("succeeded");
    expect(events).toContain("unknown-ctx-member actions/total.js:2 ctx.db does not exist");
    await playExamples(specOf("wrong-ctx-api"));
  });

  it("never-converges: stops within the round budget and deploys nothing", async () => {
    const { run } = await replay("never-converges");
    expect(run.error?.code).toBe("failures_repeated");
    expect(run.stages.find((s) => s.name === "deploy")!.status).toBe("pending");
    expect((await api("/v1/apps/tips-stuck")).status).toBe(404);
  });
});
