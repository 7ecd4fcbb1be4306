import { compileApp } from "@aidevos/compiler";
import {
  type Action,
  ActionCode,
  AidevosError,
  type AppSpec,
  type CodeBundle,
  RefinedCode,
  ReviewFinding,
  type TestReport,
} from "@aidevos/core";
import { type LlmProvider, modulePrompt, prompt, unknownCtxMembers } from "@aidevos/llm";
import { scanSource } from "@aidevos/sandbox";
import { z } from "zod";
import {
  ACTION_CONCURRENCY,
  actionsToWrite,
  appOutline,
  failingActions,
  importedModules,
  importersOf,
  mapBounded,
  modulesToWrite,
  unfence,
  withCode,
  withModuleCode,
} from "./action-code";

/** A version of the app: the spec with every action's code, and the bundle the compiler built from it. */
export interface Built {
  spec: AppSpec;
  bundle: CodeBundle;
}

/** The example steps and description an action's code must honour, as the model sees them. */
function actionBrief(action: Action) {
  const { code: _code, ...brief } = action;
  return brief;
}

/**
 * Code generator (AppSpec v2 division of labour): the model writes each shared module a spec declares
 * without code (v3), then each action's `code`, one call per module or action, a few at a time; the compiler writes everything else and computes the hash from the files
 * (`compileApp` seals the bundle), so nothing a model says about a hash is ever read. Code the spec
 * already has (the user's, or the live app's on a feedback run) is kept as it is.
 */
export class CodeGenerator {
  /** `version`: the code prompt's version the model updater chose ("code.v3"); unset, the default. */
  constructor(
    private readonly provider: LlmProvider,
    private readonly version?: string,
  ) {}

  async generate(spec: AppSpec, knowledge: string[] = []): Promise<Built> {
    // Shared modules first (v3): each action's call then sees the code of the modules it may import.
    const modules = await mapBounded(modulesToWrite(spec), ACTION_CONCURRENCY, async (module) => {
      const { value } = await this.provider.structured({
        task: "code",
        module: module.name,
        knowledge,
        schema: ActionCode,
        system: modulePrompt().text,
        input: { app: appOutline(spec), module, importers: importersOf(spec, module.name) },
      });
      return [module.name, unfence(value.code)] as const;
    });
    const withModules = withModuleCode(spec, Object.fromEntries(modules));
    const app = appOutline(withModules);
    const written = await mapBounded(actionsToWrite(spec), ACTION_CONCURRENCY, async (action) => {
      const { value } = await this.provider.structured({
        task: "code",
        action: action.name,
        knowledge,
        schema: ActionCode,
        system: prompt("code", this.version).text,
        input: { app, action: actionBrief(action) },
      });
      // Models often fence code in Markdown despite the prompt: the module is what is inside.
      return [action.name, unfence(value.code)] as const;
    });
    const built = withCode(withModules, Object.fromEntries(written));
    return { spec: built, bundle: await compileApp(built) };
  }
}

/**
 * Code reviewer: deterministic policy checks always, plus the model's review of the code a model wrote
 * (its actions and its shared modules).
 */
export class CodeReviewer {
  constructor(private readonly provider: LlmProvider) {}

  async review(plan: AppSpec, built: Built, round: number): Promise<ReviewFinding[]> {
    const policy = scanSource(built.bundle.files);
    const names = new Set(actionsToWrite(plan).map((a) => a.name));
    const actions = (built.spec.actions ?? [])
      .filter((a) => names.has(a.name))
      .map((a) => ({ name: a.name, file: `actions/${a.name}.js`, method: a.method, path: a.path, code: a.code }));
    const modules = new Set(modulesToWrite(plan).map((m) => m.name));
    const writtenModules = (built.spec.modules ?? []).filter((m) => modules.has(m.name));
    // A ctx member the contract does not have is a bug whatever the model reviewer says (a module's too).
    const contract = [
      ...actions.flatMap((a) => unknownCtxMembers(a.file, a.code ?? "")),
      ...writtenModules.flatMap((m) => unknownCtxMembers(`actions/${m.name}.js`, m.code ?? "")),
    ];
    // The compiler's code and the user's are not the model's to judge: only what a model wrote is reviewed,
    // the shared modules a model wrote with the actions (a bug in a module is a bug in each importer).
    if (actions.length === 0 && writtenModules.length === 0) return [...policy, ...contract];
    const modulesInput = writtenModules.map((m) => ({ name: m.name, file: `actions/${m.name}.js`, code: m.code }));
    const { value } = await this.provider.structured({
      task: "review",
      round,
      schema: z.object({ findings: z.array(ReviewFinding) }),
      system: prompt("review").text,
      input: { app: appOutline(built.spec), actions, ...(modulesInput.length ? { modules: modulesInput } : {}) },
    });
    return [...policy, ...contract, ...value.findings];
  }
}

/** What a refine round starts from. */
export interface RefineInput {
  /** The planned spec: its actions without code are the ones a model writes (and may rewrite). */
  plan: AppSpec;
  /** The version that failed. */
  previous: Built;
  failures: TestReport[];
  findings: ReviewFinding[];
  round: number;
  knowledge: string[];
}

/**
 * Code refiner: rewrites only the actions the round's failures and blocking findings point at (each
 * with its own failures), never code the user gave. A shared module a model wrote is rewritten through
 * the calls of the failing actions that import it: each such call is shown those modules' code (and the
 * findings on them) and may answer a module's fixed code beside the action's; a failure or finding that
 * names a module's file points at the actions a model wrote that import it. A refiner that answers with
 * the same code for every action and module it was asked about stalls the run: judged on the code itself.
 */
export class CodeRefiner {
  /** `version`: the code prompt's version the run was given ("code.v3"); its refine prompt is that version's. */
  constructor(
    private readonly provider: LlmProvider,
    private readonly version?: string,
  ) {}

  async refine(input: RefineInput): Promise<Built & { rewritten: string[]; rewrittenModules: string[] }> {
    const { plan, previous, failures, findings, round, knowledge } = input;
    const ours = new Set(actionsToWrite(plan).map((a) => a.name));
    const ourModules = new Set(modulesToWrite(plan).map((m) => m.name));
    const problems = [
      ...findings.map((f) => `review: ${f.rule} ${f.message}`),
      ...failures.flatMap((r) => r.cases.filter((c) => !c.ok).map((c) => c.name)),
    ].slice(0, 5);
    if (ours.size === 0) {
      throw new AidevosError(
        "tests_failed",
        `tests failed in code no model wrote (the compiler's or the spec's own), so no refine round can change it (${problems.join("; ") || "see the test reports"})`,
      );
    }
    // The modules a model wrote that a finding or a failure names by file.
    const texts = failures.flatMap((r) => [
      ...r.cases.filter((c) => !c.ok).map((c) => `${c.name}\n${c.message ?? ""}`),
      ...(r.error ? [r.error] : []),
    ]);
    const failingModules = new Set(
      [...ourModules].filter(
        (m) => findings.some((f) => f.file === `actions/${m}.js`) || texts.some((t) => t.includes(`actions/${m}.js`)),
      ),
    );
    /** The modules a model wrote that an action imports: what its refine call may rewrite. */
    const fixable = (action: Action) =>
      importedModules(previous.spec, action.code).filter((m) => ourModules.has(m.name));
    const pointed = new Set([...failingActions(previous.spec, failures, findings)].filter((n) => ours.has(n)));
    for (const a of previous.spec.actions ?? [])
      if (ours.has(a.name) && fixable(a).some((m) => failingModules.has(m.name))) pointed.add(a.name);
    // Failures that name no action (a unit test, say) may still come from any action a model wrote.
    const targets = (previous.spec.actions ?? []).filter((a) => (pointed.size ? pointed : ours).has(a.name));
    const app = appOutline(previous.spec);
    const answers = await mapBounded(targets, ACTION_CONCURRENCY, async (action) => {
      const mine = failingActions({ ...previous.spec, actions: [action] }, failures, findings).size > 0;
      const modules = fixable(action);
      const files = new Set([`actions/${action.name}.js`, ...modules.map((m) => `actions/${m.name}.js`)]);
      const { value } = await this.provider.structured({
        task: "refine",
        action: action.name,
        round,
        knowledge,
        schema: RefinedCode,
        system: prompt("refine", this.version).text,
        input: {
          app,
          action,
          ...(modules.length ? { modules } : {}),
          // Its own failures when they name it; otherwise everything that failed.
          failures: mine ? failures.map((r) => ({ ...r, cases: r.cases.filter((c) => !c.ok) })) : failures,
          findings: findings.filter((f) => !f.file || files.has(f.file)),
        },
      });
      // Only the modules this call was shown are its to rewrite.
      const shown = new Set(modules.map((m) => m.name));
      const fixes = (value.modules ?? [])
        .filter((m) => shown.has(m.name))
        .map((m) => [m.name, unfence(m.code)] as const);
      return { name: action.name, code: unfence(value.code), fixes };
    });
    const same = (a: string | undefined, b: string | undefined) => (a ?? "").trim() === (b ?? "").trim();
    const changed = answers.filter((r) => !same(r.code, targets.find((a) => a.name === r.name)?.code));
    // A module two calls both fixed takes the first answer, in the order of the spec's actions.
    const moduleCode = new Map<string, string>();
    for (const { fixes } of answers)
      for (const [name, code] of fixes)
        if (!moduleCode.has(name) && !same(code, previous.spec.modules?.find((m) => m.name === name)?.code))
          moduleCode.set(name, code);
    if (changed.length === 0 && moduleCode.size === 0) {
      throw new AidevosError(
        "refine_stalled",
        `the refiner answered with the same code for ${targets.map((a) => a.name).join(", ")}, so the same problems remain (${problems.join("; ") || "see the test reports"})`,
      );
    }
    const spec = withModuleCode(
      withCode(previous.spec, Object.fromEntries(changed.map((r) => [r.name, r.code]))),
      Object.fromEntries(moduleCode),
    );
    return {
      spec,
      bundle: await compileApp(spec),
      rewritten: changed.map((r) => r.name),
      rewrittenModules: [...moduleCode.keys()],
    };
  }
}
