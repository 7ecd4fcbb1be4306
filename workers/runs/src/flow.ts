import type { StageName } from "@aidevos/core";
import type {
  CodegenInput,
  CodegenOutput,
  DeployInput,
  DeployOutput,
  LearningInput,
  PlanningInput,
  StageReport,
  TestingInput,
  TestingOutput,
} from "@aidevos/pipeline";

/** Which tests failed in a round (names only: messages carry ids and timings that differ every run). */
function failureKey(result: TestingOutput): string {
  return JSON.stringify(
    result.reports.flatMap((r) => [r.error ?? "", ...r.cases.filter((c) => !c.ok).map((c) => c.name)]),
  );
}

/** What the run knows when it decides where work goes next. */
export interface FlowContext {
  input: PlanningInput;
  canaryPercent?: number;
  costUsd: number;
  maxRefineRounds: number;
  artifact<T>(stage: StageName, round: number): T | null;
}

export type Step =
  | { kind: "handoff"; stage: StageName; round: number; input: unknown }
  | { kind: "succeed" }
  | { kind: "fail"; code: string; message: string };

/**
 * The pipeline's routing in one place: planning → codegen → testing → deploy → monitoring →
 * learning, with the loop back from testing to the code refiner for a bounded number of rounds.
 */
export function nextStep(report: StageReport, ctx: FlowContext): Step {
  if (report.status === "failed") {
    return {
      kind: "fail",
      code: report.error?.code ?? "stage_failed",
      message: `${report.stage}: ${report.error?.message ?? "failed"}`,
    };
  }
  switch (report.stage) {
    case "planning":
      return {
        kind: "handoff",
        stage: "codegen",
        round: 0,
        input: { plan: report.output as CodegenInput["plan"] } satisfies CodegenInput,
      };
    case "codegen": {
      const plan = ctx.artifact<CodegenInput["plan"]>("planning", 0)!;
      const { bundle } = report.output as CodegenOutput;
      return { kind: "handoff", stage: "testing", round: report.round, input: { plan, bundle } satisfies TestingInput };
    }
    case "testing": {
      const plan = ctx.artifact<CodegenInput["plan"]>("planning", 0)!;
      const { bundle } = ctx.artifact<CodegenOutput>("codegen", report.round)!;
      const result = report.output as TestingOutput;
      if (result.passed) {
        const input: DeployInput = { plan, bundle, ...(ctx.canaryPercent ? { canaryPercent: ctx.canaryPercent } : {}) };
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
        return {
          kind: "fail",
          code: "tests_failed",
          message: `${failing} tests still fail after ${report.round} refine round(s); the live version is unchanged`,
        };
      }
      const previous = report.round > 0 ? ctx.artifact<TestingOutput>("testing", report.round - 1) : null;
      if (previous && failureKey(previous) === failureKey(result)) {
        return {
          kind: "fail",
          code: "failures_repeated",
          message: `round ${report.round} failed exactly as round ${report.round - 1} did; the refiner is not converging`,
        };
      }
      const refine: CodegenInput = { plan, previous: bundle, failures: result.reports.filter((r) => !r.ok) };
      return { kind: "handoff", stage: "codegen", round: report.round + 1, input: refine };
    }
    case "deploy": {
      const plan = ctx.artifact<CodegenInput["plan"]>("planning", 0)!;
      const deployed = report.output as DeployOutput;
      const app = { name: deployed.name, version: deployed.version, url: deployed.url };
      return { kind: "handoff", stage: "monitoring", round: 0, input: { app, plan } };
    }
    case "monitoring": {
      const deployed = ctx.artifact<DeployOutput>("deploy", 0)!;
      const failures: LearningInput["failures"] = [];
      let rounds = 0;
      for (let round = 0; ctx.artifact<TestingOutput>("testing", round); round++) {
        const tested = ctx.artifact<TestingOutput>("testing", round)!;
        if (!tested.passed) failures.push(...tested.reports.filter((r) => !r.ok));
        rounds = round;
      }
      const app = { name: deployed.name, version: deployed.version, url: deployed.url };
      const code = ctx.artifact<CodegenOutput>("codegen", rounds)!;
      const input: LearningInput = {
        app,
        refineRounds: rounds,
        failures,
        model: code.model,
        prompt: code.prompt,
        costUsd: ctx.costUsd,
        review: code.review,
      };
      return { kind: "handoff", stage: "learning", round: 0, input };
    }
    case "learning":
      return { kind: "succeed" };
  }
}
