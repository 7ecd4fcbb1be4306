import { type LearningInput, type LearningOutput, StageDO, type StageJob, type StageLog } from "@aidevos/pipeline";

/**
 * Learning stage: turns the run's outcome into lessons, kept in this run's SQLite. A failure that
 * the refiner fixed is a lesson; a run that passed first time says its approach worked.
 */
export class LearningDO extends StageDO<LearningInput, LearningOutput> {
  readonly stage = "learning";

  protected async perform(job: StageJob<LearningInput>, _log: StageLog) {
    const { app, refineRounds, failures } = job.input;
    const lessons = failures.flatMap((report) =>
      report.cases
        .filter((c) => !c.ok)
        .map((c) => `${report.kind} test "${c.name}" failed before a refine: ${c.message ?? ""}`),
    );
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS lessons (round INTEGER NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (round, position))",
    );
    for (const [position, text] of lessons.entries()) {
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO lessons (round, position, text) VALUES (?, ?, ?)",
        job.round,
        position,
        text,
      );
    }
    return {
      output: { lessons },
      summary:
        refineRounds === 0
          ? `${app.name} v${app.version} passed its tests first time; no lesson to record`
          : `recorded ${lessons.length} lesson(s) from ${refineRounds} refine round(s)`,
    };
  }
}
