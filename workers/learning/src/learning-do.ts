import type { NewKnowledge } from "@aidevos/core";
import { dumpTables, knowledgeBaseOf, type TableDump } from "@aidevos/objects";
import { type LearningInput, type LearningOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";
import { KNOWLEDGE_TABLES } from "./knowledge-base";

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

/**
 * A lesson from production: a version monitoring rolled back, named by the spec's routes that
 * failed and how often. Error messages are the app's (and its clients') text: never a lesson.
 */
export function lessonFromRollback(
  app: string,
  version: number,
  errors: { route: string; count: number }[],
): NewKnowledge {
  const first = errors[0];
  return {
    kind: "lesson",
    stage: "codegen",
    title: `Production error at ${first?.route ?? "an unknown route"}: a 5xx spike rolled the version back`.slice(
      0,
      200,
    ),
    body: `${app} v${version} was rolled back after a 5xx spike in production (server errors: ${errors
      .map((e) => `${e.count}× on ${e.route}`)
      .join("; ")
      .slice(0, 600)}). Its tests passed: cover these routes' inputs and failure paths.`,
    evidence: [`${app} v${version} rollback`],
  };
}

/** A test case's name as a lesson may carry it: the pipeline's own wording, printable, capped. */
function caseName(name: string): string {
  const clean = name
    .replace(/[^\w /:{}?=.,()'"*+-]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

/**
 * Lessons from the tests that failed in a run, saying what happened to each: fixed by the
 * refiner, still failing after refine rounds, or failing with no refine round at all. Only the
 * case's name (the pipeline's words over the spec's names) is kept: the app's answer and the
 * example's bodies are the app's and the request's text, never a lesson for other apps.
 */
function lessonsFromTests(
  runId: string,
  failures: LearningInput["failures"],
  outcome: { refineRounds: number; failed?: { code: string } },
): NewKnowledge[] {
  const { refineRounds, failed } = outcome;
  const happened = !failed
    ? "failed until the refiner rewrote the code, then passed"
    : refineRounds === 0
      ? `failed, and the run ended with no refine round (${failed.code})`
      : `still failed after ${refineRounds} refine round(s), and the run ended (${failed.code})`;
  return failures.flatMap((report) =>
    report.cases
      .filter((c) => !c.ok)
      .map((c) => ({
        kind: "lesson" as const,
        stage: "codegen" as const,
        title: `Make sure: ${caseName(c.name)}`.slice(0, 200),
        body: `A ${report.kind} test ${happened} — "${caseName(c.name)}".`,
        evidence: [`run ${runId}`],
      })),
  );
}

/**
 * Learning stage (one instance per run): turns the run's outcome into lessons and statistics in
 * the knowledge base, which is KnowledgeBaseDO's.
 */
export class LearningDO extends StageDO<LearningInput, LearningOutput, Env> {
  readonly stage = "learning";

  /**
   * Before KnowledgeBaseDO existed, the knowledge base lived in this class (instance `knowledge`).
   * The knowledge base asks for its tables once, on its first start; no stage instance has any.
   */
  async handOverKnowledge(): Promise<TableDump> {
    return dumpTables(this.ctx.storage.sql, KNOWLEDGE_TABLES);
  }

  protected async perform(job: StageJob<LearningInput>, log: StageLog) {
    const { app, refineRounds, failures, model, prompt, costUsd, failed } = job.input;
    const learned = await knowledgeBaseOf(this.env).learn({
      runId: job.runId,
      lessons:
        job.model?.learning === false
          ? []
          : [
              ...lessonsFromTests(job.runId, failures, { refineRounds, failed }),
              ...lessonsFromReview(job.runId, job.input.review ?? []),
            ],
      passedFirstTime: refineRounds === 0 && !failed,
      model,
      prompt,
      refineRounds,
      costUsd,
      failed: failed !== undefined,
    });
    for (const line of learned.explained) await log.info(line);
    if (failed) {
      const lessons = learned.entries.map((e) => e.title);
      return {
        output: { lessons },
        summary: `the run failed (${failed.code}); ${learned.created} new and ${learned.entries.length - learned.created} known lesson(s) from it`,
      };
    }
    // A replayed run is a test or a demo: its app is never a pattern. Any other goes on probation.
    if (job.input.spec && job.model?.learning !== false && !job.model?.replay) {
      const proposed = await knowledgeBaseOf(this.env).proposeApp({
        runId: job.runId,
        request: job.input.request ?? "",
        spec: job.input.spec,
        version: app.version,
      });
      await log.info(
        proposed.proposed
          ? `${app.name} v${app.version} becomes an app pattern (its shape, no code) if on ${proposed.dueAt} it is still live, never rolled back, with at least ${proposed.minRequests} real requests and under 1% 5xx (AIDEVOS_PATTERN_PROBATION_HOURS, AIDEVOS_PATTERN_MIN_REQUESTS)`
          : `${app.name} is not an app pattern: ${proposed.why}`,
      );
    }
    const lessons = learned.entries.map((e) => e.title);
    return {
      output: { lessons },
      summary:
        refineRounds === 0
          ? `${app.name} v${app.version} passed its tests first time; ${learned.scored} retrieved entr${learned.scored === 1 ? "y" : "ies"} gained`
          : `${learned.created} new and ${learned.entries.length - learned.created} known lesson(s) from ${refineRounds} refine round(s)`,
    };
  }
}
