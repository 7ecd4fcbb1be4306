import type { ReviewFinding, StageName, TestCaseResult, TestFinding, TestReport } from "@aidevos/core";
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
function failureKey(result: TestingOutput, findings: ReviewFinding[], blocking: TestFinding[]): string {
  return JSON.stringify([
    ...result.reports.flatMap((r) => [r.error ?? "", ...r.cases.filter((c) => !c.ok).map((c) => c.name)]),
    ...findings.map((f) => `review:${f.rule}:${f.file ?? ""}`),
    ...blocking.map((f) => `finding:${f.name}`),
  ]);
}

/**
 * Who wrote what, and what the run lets findings block (docs/appspec.md, "What gates a deploy"):
 * findings of the checks derived for action code never refuse code the spec gave unless the run is
 * `strict`; on code a model wrote they go to the refiner, and block once its rounds are spent.
 */
interface Authorship {
  /** Actions and shared modules whose code a model wrote: those the planned spec gave no code. */
  written: Set<string>;
  strict: boolean;
}

function authorshipOf(ctx: FlowContext): Authorship {
  const planned = ctx.artifact("planning", 0)?.spec;
  // The actions and shared modules a model wrote (both live in actions/<name>.js): findings on them block.
  const written = new Set(
    [...(planned?.actions ?? []), ...(planned?.modules ?? [])].filter((a) => a.code === undefined).map((a) => a.name),
  );
  return { written, strict: ctx.strict === true };
}

/** An action's file (`actions/<name>.js`) names the action; any other file is the compiler's. */
function actionOfFile(file: string | undefined): string | undefined {
  return /^actions\/([A-Za-z0-9]+)\.js$/.exec(file ?? "")?.[1];
}

/** Review findings that block a release: they go to the refiner like failing tests. */
function blocking(code: StageOutput<"codegen"> | null, who?: Authorship): ReviewFinding[] {
  return (code?.review ?? []).filter((f) => {
    if (f.severity !== "error") return false;
    const action = actionOfFile(f.file);
    // Static review of code the spec gave is a finding, not a refusal, unless the run is strict.
    return !who || who.strict || action === undefined || who.written.has(action);
  });
}

/** Findings of the round that block: on model-written actions, or any when the run is strict. */
function blockingFindings(
  result: TestingOutput,
  who: Authorship,
): { kind: TestReport["kind"]; finding: TestFinding }[] {
  return result.reports.flatMap((r) =>
    (r.findings ?? [])
      .filter((f) => who.strict || (f.action !== undefined && who.written.has(f.action)))
      .map((finding) => ({ kind: r.kind, finding })),
  );
}

/** A failing step as the run's error says it: the request, the status and the first 300 bytes of the answer. */
function described(name: string, message: string | undefined, exchange: TestCaseResult["exchange"]): string {
  const sent = exchange
    ? ` — ${exchange.method} ${exchange.path}${exchange.body !== undefined ? ` with body ${exchange.body}` : ""}${
        exchange.status !== undefined ? ` answered ${exchange.status}` : ""
      }${exchange.answer !== undefined ? `: ${exchange.answer}` : ""}`
    : "";
  return `${name}: ${message ?? "failed"}${sent}`;
}

/** The first failing gate of a round, said with what the user can change. */
function firstFailure(result: TestingOutput): string {
  for (const r of result.reports) {
    if (r.error)
      return `${r.kind} tests could not finish (${r.error}); what the platform compiled from the spec fails its own tests: simplify the spec's part named there, or report it`;
    const c = r.cases.find((x) => !x.ok);
    if (!c) continue;
    const hint =
      r.kind === "examples"
        ? "fix the action's code or the step; a status the action answers on purpose (a 503 until a secret is set, say) can go in the step's statusIn, and a secret the action needs can be set before the deploy with PUT /v1/apps/{name}/secrets/{NAME}"
        : r.kind === "unit"
          ? "the spec's code does not load as a module: fix its syntax or imports"
          : "this is the platform's own test of what it compiled from the spec: change the spec part it names (a field, an operation, a route an action shadows) or report it";
    return `${r.kind} failed at ${described(c.name, c.message, c.exchange)}. To change: ${hint}`;
  }
  return "no gate failed";
}

/**
 * Blocking findings as the refiner reads failures: a failed case per finding (named after its
 * action, with the request and answer), in a report of the kind that found it.
 */
function findingReports(
  result: TestingOutput,
  blockers: { kind: TestReport["kind"]; finding: TestFinding }[],
): TestReport[] {
  return result.reports.flatMap((r) => {
    const mine = blockers.filter((b) => b.kind === r.kind).map((b) => b.finding);
    if (mine.length === 0) return [];
    const cases = mine.map((f) => ({
      name: f.name,
      ok: false,
      message: described("finding", f.message, f.exchange),
      durationMs: 0,
    }));
    const { findings: _findings, figures: _figures, ...rest } = r;
    return [{ ...rest, ok: false, passed: 0, failed: cases.length, cases }];
  });
}

/** What the run knows when it decides where work goes next. */
export interface FlowContext {
  input: PlanningInput;
  canaryPercent?: number;
  allowBreaking?: boolean;
  allowWidening?: boolean;
  /** The run's `options.strict`: findings block code the spec gave too. */
  strict?: boolean;
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
      const who = authorshipOf(ctx);
      const findings = blocking(code, who);
      const blockers = blockingFindings(result, who);
      const contract = result.reports.find((r) => r.kind === "contract" && !r.ok);
      if (contract) {
        // The spec breaks its own clients; no refine round of the code can change that.
        const broken = (contract.changes ?? []).filter((c) => c.breaking).map((c) => c.message);
        return {
          kind: "fail",
          code: "breaking_change",
          message:
            `testing: breaking changes against the live version, so nothing was deployed (set options.allowBreaking to deploy anyway): ${broken.join("; ")}`.slice(
              0,
              2000,
            ),
        };
      }
      if (result.passed && findings.length === 0 && blockers.length === 0) {
        const input = {
          plan,
          bundle,
          ...(ctx.canaryPercent ? { canaryPercent: ctx.canaryPercent } : {}),
          ...(ctx.allowWidening ? { allowWidening: true } : {}),
          ...(ctx.allowBreaking ? { allowBreaking: true } : {}),
          ...(ctx.input.newApp ? { newApp: true } : {}),
        };
        return { kind: "handoff", stage: "deploy", round: 0, input };
      }
      const examples = result.reports.find((r) => r.kind === "examples" && !r.ok);
      const givenCode = ctx.input.spec && (ctx.input.spec.actions ?? []).every((a) => a.code !== undefined);
      if (examples && givenCode) {
        // A spec is built as given: no refine round may rewrite its code or its examples. Only
        // code a model wrote for it (actions without code) goes back to the refiner.
        return {
          kind: "fail",
          code: "examples_failed",
          message:
            `testing: examples failed, so nothing was deployed and the live version is unchanged; ${firstFailure(result)}`.slice(
              0,
              2000,
            ),
        };
      }
      // A finding on code no model wrote blocks only a strict run, and no refine round can change it.
      // The error shows a finding with its request and answer first, when there is one.
      const stuckAll = blockers
        .filter((b) => b.finding.action === undefined || !who.written.has(b.finding.action))
        .sort((a, b) => Number(b.finding.exchange !== undefined) - Number(a.finding.exchange !== undefined));
      const stuck = stuckAll[0];
      if (stuck)
        return {
          kind: "fail",
          code: "findings_blocked",
          message:
            `testing: ${stuck.kind} finding on code the spec gave, blocking because options.strict is set: ${described(stuck.finding.name, stuck.finding.message, stuck.finding.exchange)}${stuckAll.length > 1 ? ` (and ${stuckAll.length - 1} more finding(s) in the tests report)` : ""}. To change: handle this input in the action's code, or run without options.strict (findings are then warnings)`.slice(
              0,
              2000,
            ),
        };
      if (who.written.size === 0) {
        // No code a model wrote: no refine round can change anything, so the run ends here, saying why.
        if (!result.passed)
          return {
            kind: "fail",
            code: "tests_failed",
            message: `testing: ${firstFailure(result)}; the live version is unchanged`.slice(0, 2000),
          };
        const review = findings[0]!;
        return {
          kind: "fail",
          code: "findings_blocked",
          message:
            `testing: code review blocks (${review.rule} ${review.file ?? ""}: ${review.message}). To change: fix the code it names${who.strict ? ", or run without options.strict" : ""}`.slice(
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
        if (!result.passed)
          return {
            kind: "fail",
            code: "tests_failed",
            message:
              `testing: ${failing} tests still fail after ${report.round} refine round(s); the live version is unchanged; ${firstFailure(result)}`.slice(
                0,
                2000,
              ),
          };
        if (blockers.length > 0) {
          const { kind, finding } = blockers[0]!;
          return {
            kind: "fail",
            code: "findings_blocked",
            message:
              `testing: a ${kind} finding on code a model wrote remains after ${report.round} refine round(s); the live version is unchanged: ${described(finding.name, finding.message, finding.exchange)}. To change: describe the expected behaviour for this input in the action's description or examples, or give the action's code in the spec`.slice(
                0,
                2000,
              ),
          };
        }
        return {
          kind: "fail",
          code: "review_failed",
          message: `testing: code review still blocks after ${report.round} refine round(s) (${findings[0]!.rule}: ${findings[0]!.message}); the live version is unchanged`,
        };
      }
      const previous = report.round > 0 ? ctx.artifact("testing", report.round - 1) : null;
      const previousFindings = report.round > 0 ? blocking(ctx.artifact("codegen", report.round - 1), who) : [];
      if (
        previous &&
        failureKey(
          previous,
          previousFindings,
          blockingFindings(previous, who).map((b) => b.finding),
        ) ===
          failureKey(
            result,
            findings,
            blockers.map((b) => b.finding),
          )
      ) {
        return {
          kind: "fail",
          code: "failures_repeated",
          message:
            `testing: round ${report.round} failed exactly as round ${report.round - 1} did; the refiner is not converging; ${result.passed ? "findings remain" : firstFailure(result)}`.slice(
              0,
              2000,
            ),
        };
      }
      const refine: CodegenInput = {
        plan: planned,
        previous: bundle,
        previousSpec: code.spec,
        failures: [...result.reports.filter((r) => !r.ok), ...findingReports(result, blockers)],
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
