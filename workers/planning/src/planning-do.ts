import type { Plan } from "@aidevos/core";
import { configuredModels, createProvider, prompt, promptVersions } from "@aidevos/llm";
import { knowledgeBaseOf, registryOf } from "@aidevos/objects";
import { type PlanningInput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { ArchitectureDesigner, TaskBreakdown } from "./architecture-designer";
import { SpecGenerator } from "./spec-generator";

/** Planning stage: spec → architecture → task breakdown. */
export class PlanningDO extends StageDO<PlanningInput, Plan, Env> {
  readonly stage = "planning";

  protected async perform(job: StageJob<PlanningInput>, log: StageLog) {
    // The model updater's arm for this run's spec: a configured model and a spec prompt version.
    const models = configuredModels(this.env, job.model);
    const arm = models.length
      ? await knowledgeBaseOf(this.env).chooseArm("planning", models, promptVersions("spec"), job.runId)
      : null;
    if (arm)
      await log.info(
        `model updater: ${arm.model} with prompt ${arm.prompt} — ${arm.kept ? "kept for this run: " : ""}${arm.reason}`,
        { stage: "planning", model: arm.model, prompt: arm.prompt },
      );
    const provider = createProvider(this.env, { ...job.model, ...(arm ? { specModel: arm.model } : {}) });
    // Feedback on a deployed app starts from the spec it runs now.
    const current = job.input.app && !job.input.spec ? await registryOf(this.env).getApp(job.input.app) : null;
    // A request without a spec gets the closest app patterns as worked examples.
    const patterns =
      job.model?.learning === false || job.input.spec
        ? []
        : await knowledgeBaseOf(this.env).patternExamples(job.runId, job.input.request);
    if (patterns.length)
      await log.info(
        `patterns: ${patterns.map((p) => `"${p.title}" (score ${p.score})`).join(", ")} given to the spec and architecture prompts as worked examples`,
      );
    const draft = await new SpecGenerator(provider, arm?.prompt).generate(job.input, current?.spec ?? null, patterns);
    // Free text that named no app builds a new one: a name the model chose that an app has is moved
    // to the next free one (the deploy refuses it anyway, should the name be taken later).
    const name = job.input.newApp ? await registryOf(this.env).freeAppName(draft.spec.name) : draft.spec.name;
    if (name !== draft.spec.name)
      await log.info(`app "${draft.spec.name}" exists: this run builds a new app, "${name}"`);
    const spec = { ...draft.spec, name };
    await log.info(
      `spec for app "${spec.name}" (${provider.name} provider, prompt ${prompt("spec", arm?.prompt).version})`,
    );
    const knowledge =
      job.model?.learning === false
        ? []
        : await knowledgeBaseOf(this.env).retrieve(
            job.runId,
            "planning",
            `${job.input.request} ${spec.description ?? ""} ${spec.partition}`,
          );
    const architecture = await new ArchitectureDesigner(provider).design(
      spec,
      knowledge.map((k) => k.line),
      patterns,
    );
    const tasks = await new TaskBreakdown(provider).breakdown(spec, architecture);
    const plan: Plan = {
      spec,
      requirements: draft.requirements,
      acceptanceCriteria: [
        ...draft.acceptanceCriteria,
        ...architecture.routes.map((r) => `${r.method} ${r.path}: ${r.summary}`),
      ],
      architecture,
      tasks,
    };
    return {
      usage: provider.usage,
      output: plan,
      summary: `app "${spec.name}": ${spec.entities.length} entities, ${architecture.routes.length} routes, ${tasks.length} coding tasks`,
    };
  }
}
