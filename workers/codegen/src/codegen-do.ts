import type { Plan } from "@aidevos/core";
import { configuredModels, createProvider, prompt, promptVersions } from "@aidevos/llm";
import { knowledgeBaseOf } from "@aidevos/objects";
import { type CodegenInput, type CodegenOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { actionsToWrite, modulesToWrite } from "./action-code";
import { CodeGenerator, CodeRefiner, CodeReviewer } from "./code-generator";

/** The words a request's knowledge is searched by: what the app is and what it does. */
function knowledgeQuery(plan: Plan): string {
  const { spec } = plan;
  const entities = spec.entities.map(
    (e) => `${e.name} ${e.plural} ${Object.keys(e.fields).join(" ")} ${(e.operations ?? []).join(" ")}`,
  );
  // Actions are what the model writes: their names and descriptions find the lessons about them.
  const actions = (spec.actions ?? []).map((a) => `${a.name} ${a.method} ${a.path} ${a.description ?? ""}`);
  return `${spec.description ?? ""} ${spec.name} ${entities.join(" ")} ${actions.join(" ")} create list get update delete validation`;
}

/**
 * Codegen stage: the model writes the actions' code (the compiler the rest) → review, or refine the
 * failing actions from test failures and blocking review findings on later rounds, with what
 * earlier runs taught. Blocking findings do not fail the stage: the run
 * tests the code anyway and hands both to the refiner (workers/runs flow.ts), within the round budget.
 */
export class CodegenDO extends StageDO<CodegenInput, CodegenOutput, Env> {
  readonly stage = "codegen";

  protected async perform(job: StageJob<CodegenInput>, log: StageLog) {
    const { plan, previous, failures, findings } = job.input;
    const kb = knowledgeBaseOf(this.env);
    const knowledge =
      job.model?.learning === false ? [] : await kb.retrieve(job.runId, "codegen", knowledgeQuery(plan));
    if (knowledge.length)
      await log.info(`knowledge: ${knowledge.length} entries retrieved`, { entries: knowledge.map((k) => k.id) });
    const lines = knowledge.map((k) => k.line);
    // The model updater's arm for this run's code: a configured model and a code prompt version,
    // chosen once per run (refine rounds keep it; the refine prompt follows the code prompt's version).
    const models = configuredModels(this.env, job.model);
    const arm = models.length ? await kb.chooseArm("codegen", models, promptVersions("code"), job.runId) : null;
    if (arm)
      await log.info(
        `model updater: ${arm.model} with prompt ${arm.prompt} — ${arm.kept ? "kept for this run: " : ""}${arm.reason}`,
        { stage: "codegen", model: arm.model, prompt: arm.prompt },
      );
    const provider = createProvider(this.env, { ...job.model, ...(arm ? { codeModel: arm.model } : {}) });
    const built = previous
      ? await new CodeRefiner(provider, arm?.prompt).refine({
          plan: plan.spec,
          previous: { spec: job.input.previousSpec ?? plan.spec, bundle: previous },
          failures: failures ?? [],
          findings: findings ?? [],
          round: job.round,
          knowledge: lines,
        })
      : await new CodeGenerator(provider, arm?.prompt).generate(plan.spec, lines);
    const { bundle, spec } = built;
    const review = await new CodeReviewer(provider).review(plan.spec, built, job.round);
    const blocking = review.filter((f) => f.severity === "error").length;
    for (const f of review) await log.warn(`review: ${f.rule} ${f.file ?? ""}:${f.line ?? ""} ${f.message}`);
    const written: string[] =
      "rewritten" in built ? (built.rewritten as string[]) : actionsToWrite(plan.spec).map((a) => a.name);
    const modules =
      "rewrittenModules" in built ? (built.rewrittenModules as string[]) : modulesToWrite(plan.spec).map((m) => m.name);
    return {
      usage: provider.usage,
      output: {
        bundle,
        spec,
        review,
        model: provider.modelOf(previous ? "refine" : "code"),
        // The arm's prompt when the updater chose one, so the run's outcome is credited to what it chose.
        prompt: arm?.prompt ?? prompt(previous ? "refine" : "code").version,
      },
      summary: `${previous ? "refined" : "generated"} ${modules.length ? `${modules.length} module(s) (${modules.join(", ")}) and ` : ""}${written.length} action(s)${written.length ? ` (${written.join(", ")})` : ""}, the compiler the rest (code ${bundle.hash.slice(0, 12)}), review: ${review.length} finding(s)${blocking ? `, ${blocking} blocking (sent to the refiner)` : ""}`,
    };
  }
}
