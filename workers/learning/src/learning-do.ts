import type { KnowledgeEntry, NewKnowledge } from "@aidevos/core";
import { type LearningInput, type LearningOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { KnowledgeBase } from "./knowledge-base";
import { chooseModel, type ModelChoice } from "./model-updater";

/** The one instance that holds the knowledge base. */
export function knowledgeOf(env: Env) {
  return env.LEARNING.get(env.LEARNING.idFromName("knowledge"));
}

/** A lesson from what code review flagged: the rule and what it said. */
export function lessonsFromReview(runId: string, review: NonNullable<LearningInput["review"]>): NewKnowledge[] {
  return review.map((f) => ({
    kind: "lesson" as const,
    stage: "codegen" as const,
    title: `Review rule ${f.rule}`.slice(0, 200),
    body: `Code review flagged (${f.severity}): ${f.message}`.slice(0, 600),
    evidence: [`run ${runId}`],
  }));
}

/** A lesson from production: an error group that made monitoring roll a version back. */
export function lessonFromRollback(
  app: string,
  version: number,
  errors: { message: string; frame: string }[],
): NewKnowledge {
  const first = errors[0];
  return {
    kind: "lesson",
    stage: "codegen",
    title: `Production error at ${first?.frame ?? "an unknown route"}: ${first?.message ?? "5xx spike"}`.slice(0, 200),
    body: `${app} v${version} was rolled back after a 5xx spike in production. Errors: ${errors
      .map((e) => `${e.message} at ${e.frame}`)
      .join("; ")
      .slice(0, 800)}. Tests did not catch it: cover this input.`,
    evidence: [`${app} v${version} rollback`],
  };
}

/** A lesson from a test that failed before the refiner fixed it: the case, without ids and timings. */
export function lessonsFrom(runId: string, failures: LearningInput["failures"]): NewKnowledge[] {
  return failures.flatMap((report) =>
    report.cases
      .filter((c) => !c.ok)
      .map((c) => ({
        kind: "lesson" as const,
        stage: "codegen" as const,
        title: `Make sure: ${c.name}`.slice(0, 200),
        body: `A ${report.kind} test failed until the refiner fixed it — "${c.name}": ${(c.message ?? "").split(": {")[0]!.slice(0, 300)}`,
        evidence: [`run ${runId}`],
      })),
  );
}

/**
 * Learning. As a pipeline stage (one instance per run) it turns the run's outcome into lessons
 * and statistics. The `knowledge` instance holds the knowledge base (seeded best practices and
 * patterns, learned lessons, people's entries) and the model statistics the model updater uses.
 */
export class LearningDO extends StageDO<LearningInput, LearningOutput> {
  readonly stage = "learning";
  private kb: KnowledgeBase | null = null;

  private knowledge(): KnowledgeBase {
    this.kb ??= new KnowledgeBase(this.ctx.storage.sql);
    return this.kb;
  }

  protected async perform(job: StageJob<LearningInput>, log: StageLog) {
    const { app, refineRounds, failures, model, prompt, costUsd } = job.input;
    const kb = knowledgeOf(this.env);
    const learned = await kb.learn({
      runId: job.runId,
      lessons:
        job.model?.learning === false
          ? []
          : [...lessonsFrom(job.runId, failures), ...lessonsFromReview(job.runId, job.input.review ?? [])],
      passedFirstTime: refineRounds === 0,
      model,
      prompt,
      refineRounds,
      costUsd,
    });
    for (const line of learned.explained) await log.info(line);
    const lessons = learned.entries.map((e) => e.title);
    return {
      output: { lessons },
      summary:
        refineRounds === 0
          ? `${app.name} v${app.version} passed its tests first time; ${learned.scored} retrieved entr${learned.scored === 1 ? "y" : "ies"} gained`
          : `${learned.created} new and ${learned.entries.length - learned.created} known lesson(s) from ${refineRounds} refine round(s)`,
    };
  }

  async list(query: { q?: string; stage?: string; retired?: boolean; limit: number }): Promise<KnowledgeEntry[]> {
    return this.knowledge().list(query);
  }

  async get(id: string): Promise<KnowledgeEntry | null> {
    return this.knowledge().get(id);
  }

  async add(
    input: NewKnowledge,
    source: "user" | "learned" = "user",
  ): Promise<{ entry: KnowledgeEntry; created: boolean }> {
    return this.knowledge().add(input, source);
  }

  async edit(id: string, patch: Partial<Pick<KnowledgeEntry, "title" | "body" | "stage" | "score">>) {
    return this.knowledge().edit(id, patch);
  }

  async retire(id: string) {
    return this.knowledge().retire(id);
  }

  /** What a stage of a run should know, as prompt lines, bounded in size. */
  async retrieve(runId: string, stage: string, text: string): Promise<{ id: string; line: string }[]> {
    return this.knowledge()
      .retrieve(runId, stage, text)
      .map((e) => ({ id: e.id, line: `${e.title}: ${e.body}` }));
  }

  /** Folds a finished run in: new lessons (deduplicated), scores of what it was given, model statistics. */
  async learn(outcome: {
    runId: string;
    lessons: NewKnowledge[];
    passedFirstTime: boolean;
    model?: string;
    prompt?: string;
    refineRounds: number;
    costUsd: number;
  }): Promise<{ entries: KnowledgeEntry[]; created: number; scored: number; explained: string[] }> {
    const kb = this.knowledge();
    const results = outcome.lessons.map((l) => kb.add(l, "learned"));
    const given = kb.list({ limit: 500 }).filter((e) => e.source === "learned" && e.uses > 0).length;
    kb.score(outcome.runId, outcome.passedFirstTime);
    const explained: string[] = [];
    if (outcome.model) {
      kb.recordModel("codegen", outcome.model, outcome.prompt ?? "?", outcome.refineRounds, outcome.costUsd);
      explained.push(`model updater: recorded ${outcome.model} on codegen (${outcome.refineRounds} refine round(s))`);
    }
    return {
      entries: results.map((r) => r.entry),
      created: results.filter((r) => r.created).length,
      scored: given,
      explained,
    };
  }

  /** The model updater's choice for a stage between a cheaper and a stronger model. */
  async chooseModel(stage: string, cheap: string, strong: string | undefined): Promise<ModelChoice> {
    return chooseModel(cheap, strong, this.knowledge().modelStats(stage));
  }

  async modelStats(stage: string) {
    return this.knowledge().modelStats(stage);
  }
}
