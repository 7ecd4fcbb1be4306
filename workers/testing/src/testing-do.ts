import type { AppSpec, CodeBundle, TestReport } from "@aidevos/core";
import { stagingHostOf } from "@aidevos/objects";
import { StageDO, type StageJob, type StageLog, type TestingInput, type TestingOutput } from "@aidevos/pipeline";
import { runUnitTests } from "@aidevos/sandbox";
import { type AppClient, runIntegrationSuite } from "./integration-suite";
import { runPerformanceSuite } from "./performance-suite";
import { runSecuritySuite } from "./security-suite";
import { countRecords, stagingClient } from "./staging-client";

/**
 * Testing stage: the gate nothing untested passes, in order unit → integration → security →
 * performance; the first failing kind ends the round and goes back to the refiner. Unit tests run
 * in a sandboxed dynamic Worker; the other kinds drive a staging copy of the app with fresh
 * storage on the same host class as production.
 */
export class TestingDO extends StageDO<TestingInput, TestingOutput, Env> {
  readonly stage = "testing";

  protected async perform(job: StageJob<TestingInput>, log: StageLog) {
    const { plan, bundle } = job.input;
    const reports: TestReport[] = [];
    const record = async (report: TestReport) => {
      reports.push(report);
      const extra = report.error ? ` (${report.error})` : "";
      await log.info(`${report.kind}: ${report.passed} passed, ${report.failed} failed${extra}`);
      return report.ok;
    };
    if (await record(await runUnitTests(this.env.LOADER, bundle))) {
      const spec = plan.spec;
      await this.onStaging(job.runId, job.round, spec, bundle, async (send) => {
        if (!(await record(await runIntegrationSuite(spec, send)))) return;
        const security = await runSecuritySuite(
          spec,
          bundle.files,
          (r) => send(r.method, r.path, r.body, r.headers),
          () => countRecords(spec, send),
        );
        if (!(await record(security))) return;
        await record(await runPerformanceSuite(spec, send));
      });
    }
    const passed = reports.every((r) => r.ok);
    const counts = reports.map((r) => `${r.kind} ${r.passed}/${r.passed + r.failed}`).join(", ");
    return { output: { passed, reports }, summary: `${passed ? "all tests passed" : "tests failed"}: ${counts}` };
  }

  /** Staging hosts are named with a colon, which no app name can contain, and are wiped before and after. */
  private async onStaging(
    runId: string,
    round: number,
    spec: AppSpec,
    bundle: CodeBundle,
    body: (send: AppClient) => Promise<void>,
  ) {
    const host = stagingHostOf(this.env, runId, round);
    await host.discard();
    try {
      await body(stagingClient(host, bundle, spec));
    } finally {
      await host.discard();
    }
  }
}
