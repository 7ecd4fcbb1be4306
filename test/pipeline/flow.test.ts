// Proves the pipeline's routing (nextStep) stage by stage: where each finished report sends the
// run, for passed and failed rounds, at and below the refine limit, and when the refiner stalls;
// and what findings block (docs/appspec.md, "What gates a deploy"): never code the spec gave unless
// the run is strict, code a model wrote only after its refine rounds; a run's error names its stage,
// the failing request, its status and answer, and what the user can change.

import type { CodeBundle, Plan, StageName, TestReport } from "@aidevos/core";
import type { FinishedReport, StageOutput } from "@aidevos/pipeline";
import { describe, expect, it } from "vitest";
import { type FlowContext, nextStep } from "../../workers/runs/src/flow";

// `a` has no code in the plan: a model writes it. `given` came with its code.
const plan = {
  spec: {
    name: "todo",
    actions: [
      { name: "a", method: "GET", path: "/a" },
      { name: "given", method: "POST", path: "/say", code: "export default async () => ({})" },
    ],
  },
} as Plan;
const given = { spec: { name: "todo", actions: [plan.spec.actions![1]!] } } as Plan;
const finding = (action: string) => ({
  check: "fuzz" as const,
  name: `action ${action}: fuzz: POST /say: JSON null`,
  message: "POST /say answered 500",
  action,
  exchange: { method: "POST", path: "/say", body: "null", status: 500, answer: '{"error":{"code":"internal_error"}}' },
});
const withFinding = (action: string): TestReport => ({
  kind: "security",
  ok: true,
  passed: 3,
  failed: 0,
  durationMs: 1,
  cases: [],
  findings: [finding(action)],
});
const bundle = (n: number) => ({ hash: `code-${n}` }) as CodeBundle;
const failing = (name: string): TestReport => ({
  kind: "integration",
  ok: false,
  passed: 0,
  failed: 1,
  durationMs: 1,
  cases: [{ name, ok: false, message: "boom", durationMs: 1 }],
});
const passing: TestReport = { kind: "unit", ok: true, passed: 1, failed: 0, durationMs: 1, cases: [] };
const deployed = { name: "todo", version: 3, url: "/apps/todo/", codeHash: "code-1", created: true };

/** A run's ledger as nextStep sees it: artifacts by stage and round. */
function context(artifacts: Partial<Record<string, unknown>> = {}, extra: Partial<FlowContext> = {}): FlowContext {
  return {
    input: { request: "todo" },
    costUsd: 0.25,
    maxRefineRounds: 3,
    artifact: <S extends StageName>(stage: S, round: number) =>
      (artifacts[`${stage}/${round}`] as StageOutput<S> | undefined) ?? null,
    ...extra,
  };
}

function succeeded<S extends StageName>(stage: S, round: number, output: StageOutput<S>): FinishedReport {
  const report = {
    stage,
    round,
    status: "succeeded",
    output,
    attempts: 1,
    summary: "",
    startedAt: null,
    finishedAt: null,
  };
  return report as FinishedReport;
}

const STAGES: StageName[] = ["planning", "codegen", "testing", "deploy", "monitoring", "learning"];

describe("nextStep", () => {
  it.each(STAGES)("a failed %s round fails the run with the stage's error", (stage) => {
    const report = {
      stage,
      round: 0,
      status: "failed",
      attempts: 3,
      summary: "failed",
      error: { code: "boom", message: "it broke" },
      startedAt: null,
      finishedAt: null,
    } as FinishedReport;
    expect(nextStep(report, context())).toEqual({ kind: "fail", code: "boom", message: `${stage}: it broke` });
    const { error: _, ...bare } = report;
    expect(nextStep(bare as FinishedReport, context())).toEqual({
      kind: "fail",
      code: "stage_failed",
      message: `${stage}: failed`,
    });
  });

  const ledger = {
    "planning/0": plan,
    "codegen/0": { bundle: bundle(0), spec: plan.spec, review: [], model: "m0", prompt: "p0" },
    "codegen/1": {
      bundle: bundle(1),
      spec: plan.spec,
      review: [{ severity: "warning", rule: "r", message: "w" }],
      model: "m1",
      prompt: "p1",
    },
    "testing/0": { passed: false, reports: [failing("a"), passing] },
    "testing/1": { passed: true, reports: [passing] },
    "deploy/0": deployed,
  };

  it.each<[string, FinishedReport, Partial<FlowContext>, unknown]>([
    [
      "planning → codegen round 0",
      succeeded("planning", 0, plan),
      {},
      { kind: "handoff", stage: "codegen", round: 0, input: { plan } },
    ],
    [
      "codegen round 1 → testing round 1 with that round's code",
      succeeded("codegen", 1, { bundle: bundle(1), spec: plan.spec, review: [] }),
      {},
      { kind: "handoff", stage: "testing", round: 1, input: { plan, bundle: bundle(1) } },
    ],
    [
      "testing passed → deploy the tested round's code",
      succeeded("testing", 1, { passed: true, reports: [passing] }),
      {},
      { kind: "handoff", stage: "deploy", round: 0, input: { plan, bundle: bundle(1) } },
    ],
    [
      "testing passed → deploy as a canary when the run asks",
      succeeded("testing", 0, { passed: true, reports: [passing] }),
      { canaryPercent: 10 },
      { kind: "handoff", stage: "deploy", round: 0, input: { plan, bundle: bundle(0), canaryPercent: 10 } },
    ],
    [
      "testing failed below the limit → refine with the failing reports only",
      succeeded("testing", 0, { passed: false, reports: [failing("a"), passing] }),
      {},
      {
        kind: "handoff",
        stage: "codegen",
        round: 1,
        input: { plan, previous: bundle(0), previousSpec: plan.spec, failures: [failing("a")] },
      },
    ],
    [
      "testing failed differently from the round before → refine again",
      succeeded("testing", 1, { passed: false, reports: [failing("b")] }),
      {},
      {
        kind: "handoff",
        stage: "codegen",
        round: 2,
        input: { plan, previous: bundle(1), previousSpec: plan.spec, failures: [failing("b")] },
      },
    ],
    [
      "testing failed exactly as the round before → the refiner stalls",
      succeeded("testing", 1, { passed: false, reports: [failing("a"), passing] }),
      {},
      {
        kind: "fail",
        code: "failures_repeated",
        message: expect.stringMatching(
          /^testing: round 1 failed exactly as round 0 did; the refiner is not converging/,
        ),
      },
    ],
    [
      "testing failed at the refine limit → the run fails, live version unchanged",
      succeeded("testing", 1, { passed: false, reports: [failing("b")] }),
      { maxRefineRounds: 1 },
      {
        kind: "fail",
        code: "tests_failed",
        message: expect.stringMatching(
          /^testing: integration tests still fail after 1 refine round\(s\); the live version is unchanged; integration failed at b: boom/,
        ),
      },
    ],
    [
      "testing failed with no refine rounds allowed → the run fails at once",
      succeeded("testing", 0, { passed: false, reports: [failing("a")] }),
      { maxRefineRounds: 0 },
      {
        kind: "fail",
        code: "tests_failed",
        message: expect.stringMatching(/^testing: integration tests still fail after 0 refine round\(s\)/),
      },
    ],
    [
      "deploy → monitoring of the deployed version",
      succeeded("deploy", 0, deployed),
      {},
      {
        kind: "handoff",
        stage: "monitoring",
        round: 0,
        input: { app: { name: "todo", version: 3, url: "/apps/todo/" }, plan },
      },
    ],
    [
      "monitoring → learning with every round's failures and the deployed code's model",
      succeeded("monitoring", 0, { probes: [] }),
      {},
      {
        kind: "handoff",
        stage: "learning",
        round: 0,
        input: {
          app: { name: "todo", version: 3, url: "/apps/todo/" },
          refineRounds: 1,
          failures: [failing("a")],
          model: "m1",
          prompt: "p1",
          costUsd: 0.25,
          review: [{ severity: "warning", rule: "r", message: "w" }],
          // The request and spec travel on: a deployed, healthy app becomes a pattern.
          request: "todo",
          spec: plan.spec,
        },
      },
    ],
    ["learning → the run succeeds", succeeded("learning", 0, { lessons: [] }), {}, { kind: "succeed" }],
    [
      "a finding on code the spec gave → deployed all the same (a warning)",
      succeeded("testing", 1, { passed: true, reports: [withFinding("given")] }),
      {},
      { kind: "handoff", stage: "deploy", round: 0, input: { plan, bundle: bundle(1) } },
    ],
    [
      "a finding on code a model wrote → refined, with the finding as the refiner's failure",
      succeeded("testing", 0, { passed: true, reports: [passing, withFinding("a")] }),
      {},
      {
        kind: "handoff",
        stage: "codegen",
        round: 1,
        input: {
          plan,
          previous: bundle(0),
          previousSpec: plan.spec,
          failures: [
            {
              kind: "security",
              ok: false,
              passed: 0,
              failed: 1,
              durationMs: 1,
              cases: [
                {
                  name: "action a: fuzz: POST /say: JSON null",
                  ok: false,
                  message: expect.stringContaining("POST /say with body null answered 500"),
                  durationMs: 0,
                },
              ],
            },
          ],
        },
      },
    ],
    [
      "a finding on code a model wrote at the refine limit → blocks, saying the request and answer",
      succeeded("testing", 1, { passed: true, reports: [withFinding("a")] }),
      { maxRefineRounds: 1 },
      {
        kind: "fail",
        code: "findings_blocked",
        message: expect.stringContaining(
          'POST /say with body null answered 500: {"error":{"code":"internal_error"}}. To change:',
        ),
      },
    ],
    [
      "options.strict → a finding on code the spec gave blocks too",
      succeeded("testing", 1, { passed: true, reports: [withFinding("given")] }),
      { strict: true },
      {
        kind: "fail",
        code: "findings_blocked",
        message: expect.stringMatching(
          /^testing: security finding on code the spec gave, blocking because options.strict is set/,
        ),
      },
    ],
  ])("%s", (_name, report, extra, step) => {
    expect(nextStep(report, context(ledger, extra))).toEqual(step);
  });

  it("a failing gate in code no model wrote ends the run at once, naming the stage, the request, the answer and what to change", () => {
    const failed: TestReport = {
      ...failing("orders: create answers 201"),
      cases: [
        {
          name: "orders: create answers 201",
          ok: false,
          message: "POST /orders: status 500, want 201",
          durationMs: 1,
          exchange: { method: "POST", path: "/orders", body: '{"qty":1}', status: 500, answer: "x".repeat(300) },
        },
      ],
    };
    const ledgerGiven = { ...ledger, "planning/0": given, "codegen/0": { ...ledger["codegen/0"], spec: given.spec } };
    const step = nextStep(succeeded("testing", 0, { passed: false, reports: [failed] }), context(ledgerGiven));
    expect(step).toMatchObject({ kind: "fail", code: "tests_failed" });
    const message = (step as { message: string }).message;
    expect(message).toMatch(/^testing: integration failed at orders: create answers 201/);
    expect(message).toContain(`POST /orders with body {"qty":1} answered 500: ${"x".repeat(300)}`);
    expect(message).toContain("To change:");
    expect(message).not.toContain("codegen");
  });
});
