import type { TestReport } from "@aidevos/core";
import { StageDO, type StageJob, type StageLog, type TestingInput, type TestingOutput } from "@aidevos/pipeline";
import { runUnitTests } from "@aidevos/sandbox";

/** Testing stage: the gate nothing untested passes. Each suite's report is stored with the run. */
export class TestingDO extends StageDO<TestingInput, TestingOutput> {
  readonly stage = "testing";

  protected async perform(job: StageJob<TestingInput>, log: StageLog) {
    const reports: TestReport[] = [];
    const unit = await runUnitTests(this.env.LOADER, job.input.bundle);
    reports.push(unit);
    await log.info(`unit: ${unit.passed} passed, ${unit.failed} failed${unit.error ? ` (${unit.error})` : ""}`);
    const passed = reports.every((r) => r.ok);
    const counts = reports.map((r) => `${r.kind} ${r.passed}/${r.passed + r.failed}`).join(", ");
    return { output: { passed, reports }, summary: `${passed ? "passed" : "failed"}: ${counts}` };
  }
}
