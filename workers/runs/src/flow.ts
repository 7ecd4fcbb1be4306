import type { ReviewFinding, StageName } from "@aidevos/core";
import type {
  CodegenInput,
  FinishedReport,
  LearningInput,
  PlanningInput,
  StageInput,
  StageOutput,
  TestingOutput,
} from "@aidevos/pipeline";

/**
 * Which tests failed and which review rules blocked in a round (names only: messages carry ids and
 * timings that differ every run).
 */
function failureKey(result: TestingOutput, findings: ReviewFinding[]): string {
  return JSON.stringify([
    ...result.reports.flatMap((r) => [r.error ?? "", ...r.cases.filter((c) => !c.ok).map((c) => c.name)]),
    ...findings.map((f) => `review:${f.rule}:${f.file ?? ""}`),
  ]);
}

/** Review findings that block a release: they go to the refiner like failing tests. */
function blocking(code: StageOutput<"codegen"> | null): ReviewFinding[] {
  return (code?.review ?? []).filter((f) => f.severity === "error");
}

/** What the run knows when it decides where work goes next. */
export interface FlowContext {
  input: PlanningInput;
  canaryPercent?: number;
  allowBreaking?: boolean;
  costUsd: number;
  maxRefineRounds: number;
  artifact<S extends StageName>(stage: S, round: number): StageOutput<S> | null;
}

/** Work for one stage, typed by the hand-off map. */
type Handoff = {
  [S in StageName]: { kind: "handoff"; stage: S; round: number; input: StageInput<S> };
}[StageName];

export type Step = Handoff | { kind: "succeed" } | { kind: "fail"; code: string; message: string };

/** An artifact an earlier step of this run stored; its absence is a broken ledger, not a routing choice. */
function stored<S extends StageName>(ctx: FlowContext, stage: S, round: number): StageOutput<S> {
  const found = ctx.artifact(stage, round);
  if (found === null) throw new Error(`the run has no ${stage} output for round ${round}`);
  return found;
}

/**
 * The pipeline's routing in one place: planning → codegen → testing → deploy → monitoring →
 * learning, with the loop back from testing to the code refiner for a bounded number of rounds.
 */
export function nextStep(report: FinishedReport, ctx: FlowContext): Step {
  if (report.status === "failed") {
    return {
      kind: "fail",
      code: report.error?.code ?? "stage_failed",
      message: `${report.stage}: ${report.error?.message ?? "failed"}`,
    };
  }
  switch (report.stage) {
    case "planning":
      return { kind: "handoff", stage: "codegen", round: 0, input: { plan: report.output } };
    case "codegen": {
      // Testing plays the spec as built: the plan's, with the code a model wrote for its actions.
      const { bundle, spec } = report.output;
      const plan = { ...stored(ctx, "planning", 0), spec };
      const input = { plan, bundle, ...(ctx.allowBreaking ? { allowBreaking: true } : {}) };
      return { kind: "handoff", stage: "testing", round: report.round, input };
    }
    case "testing": {
      const planned = stored(ctx, "planning", 0);
      const code = stored(ctx, "codegen", report.round);
      const { bundle } = code;
      // Deploy records the spec as built, so a later feedback run starts from the live code.
      const plan = { ...planned, spec: code.spec };
      const result = report.output;
      const findings = blocking(code);
      const contract = result.reports.find((r) => r.kind === "contract" && !r.ok);
      if (contract) {
        // The spec breaks its own clients; no refine round of the code can change that.
        const broken = (contract.changes ?? []).filter((c) => c.breaking).map((c) => c.message);
        return {
          kind: "fail",
          code: "breaking_change",
          message:
            `breaking changes against the live version, so nothing was deployed (set options.allowBreaking to deploy anyway): ${broken.join("; ")}`.slice(
              0,
              2000,
            ),
        };
      }
      if (result.passed && findings.length === 0) {
        const input = { plan, bundle, ...(ctx.canaryPercent ? { canaryPercent: ctx.canaryPercent } : {}) };
        return { kind: "handoff", stage: "deploy", round: 0, input };
      }
      const examples = result.reports.find((r) => r.kind === "examples" && !r.ok);
      const givenCode = ctx.input.spec && (ctx.input.spec.actions ?? []).every((a) => a.code !== undefined);
      if (examples && givenCode) {
        // A spec is built as given: no refine round may rewrite its code or its examples. Only
        // code a model wrote for it (actions without code) goes back to the refiner.
        const steps = examples.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message ?? "failed"}`);
        return {
          kind: "fail",
          code: "examples_failed",
          message:
            `examples failed, so nothing was deployed and the live version is unchanged: ${steps.join("; ")}`.slice(
              0,
              2000,
            ),
        };
      }
      if (report.round >= ctx.maxRefineRounds) {
        const failing = result.reports
          .filter((r) => !r.ok)
          .map((r) => r.kind)
          .join(", ");
        return result.passed
          ? {
              kind: "fail",
              code: "review_failed",
              message: `code review still blocks after ${report.round} refine round(s) (${findings[0]!.rule}: ${findings[0]!.message}); the live version is unchanged`,
            }
          : {
              kind: "fail",
              code: "tests_failed",
              message: `${failing} tests still fail after ${report.round} refine round(s); the live version is unchanged`,
            };
      }
      const previous = report.round > 0 ? ctx.artifact("testing", report.round - 1) : null;
      const previousFindings = report.round > 0 ? blocking(ctx.artifact("codegen", report.round - 1)) : [];
      if (previous && failureKey(previous, previousFindings) === failureKey(result, findings)) {
        return {
          kind: "fail",
          code: "failures_repeated",
          message: `round ${report.round} failed exactly as round ${report.round - 1} did; the refiner is not converging`,
        };
      }
      const refine: CodegenInput = {
        plan: planned,
        previous: bundle,
        previousSpec: code.spec,
        failures: result.reports.filter((r) => !r.ok),
        ...(findings.length ? { findings } : {}),
      };
      return { kind: "handoff", stage: "codegen", round: report.round + 1, input: refine };
    }
    case "deploy": {
      const plan = stored(ctx, "planning", 0);
      const deployed = report.output;
      const app = { name: deployed.name, version: deployed.version, url: deployed.url };
      return { kind: "handoff", stage: "monitoring", round: 0, input: { app, plan } };
    }
    case "monitoring": {
      const deployed = stored(ctx, "deploy", 0);
      const failures: LearningInput["failures"] = [];
      let rounds = 0;
      for (let round = 0; ; round++) {
        const tested = ctx.artifact("testing", round);
        if (!tested) break;
        if (!tested.passed) failures.push(...tested.reports.filter((r) => !r.ok));
        rounds = round;
      }
      const app = { name: deployed.name, version: deployed.version, url: deployed.url };
      const code = stored(ctx, "codegen", rounds);
      const input: LearningInput = {
        app,
        refineRounds: rounds,
        failures,
        model: code.model,
        prompt: code.prompt,
        costUsd: ctx.costUsd,
        review: code.review,
        request: ctx.input.request,
        spec: stored(ctx, "planning", 0).spec,
      };
      return { kind: "handoff", stage: "learning", round: 0, input };
    }
    case "learning":
      return { kind: "succeed" };
  }
}
