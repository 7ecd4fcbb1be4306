import {
  AidevosError,
  type AppSpec,
  type CodeBundle,
  PARTITION_KEY_HEADER,
  type Redactor,
  secretRedactor,
  type TestReport,
  testReport,
} from "@aidevos/core";
import { appControlOf, stagingHostOf } from "@aidevos/objects";
import { StageDO, type StageJob, type StageLog, type TestingInput, type TestingOutput } from "@aidevos/pipeline";
import { runUnitTests } from "@aidevos/sandbox";
import { accountsCases, signedInClient, withCases } from "./accounts";
import { runContractCheck } from "./contract-check";
import { examplesOf, type PartitionFetch, runExamplesSuite } from "./examples/examples-suite";
import { type AppClient, runIntegrationSuite } from "./integration-suite";
import { runPerformanceSuite } from "./performance-suite";
import { runSecuritySuite } from "./security-suite";
import { countRecords, stagingClient } from "./staging-client";

/**
 * Testing stage: the gate nothing untested passes, in order contract → unit → examples →
 * integration → security → performance; the first failing gate ends the round. Unit tests run in a
 * sandboxed dynamic Worker; the other kinds drive a staging copy of the app with fresh storage on
 * the same host class as production. Gates (docs/appspec.md, "What gates a deploy") are each
 * report's cases; what the checks derived for action code find are the reports' `findings`,
 * logged as warnings: the run decides what they block (workers/runs flow.ts).
 */
export class TestingDO extends StageDO<TestingInput, TestingOutput, Env> {
  readonly stage = "testing";

  /**
   * The staging copies read the app's secrets, so whatever the suites saw of the app (a diff, a body,
   * an error) may hold a value: every report, log line and error leaves this stage redacted
   * (`[secret NAME]`), before it reaches the run, its events, the refiner's prompt or learning.
   */
  protected async perform(job: StageJob<TestingInput>, log: StageLog) {
    const redact = secretRedactor(await appControlOf(this.env, job.input.plan.spec.name).secretValues());
    const redactedLog: StageLog = {
      info: (message, data) => log.info(redact(message), redact(data)),
      warn: (message, data) => log.warn(redact(message), redact(data)),
    };
    try {
      return await this.test(job, redactedLog, redact);
    } catch (err) {
      if (!(err instanceof Error)) throw redact(String(err));
      const message = redact(err.message);
      if (message === err.message) throw err;
      // Same kind of failure (permanent or not), without the value.
      throw err instanceof AidevosError ? new AidevosError(err.code, message, err.status) : new Error(message);
    }
  }

  private async test(job: StageJob<TestingInput>, log: StageLog, redact: Redactor) {
    const { plan, bundle } = job.input;
    const reports: TestReport[] = [];
    const record = async (seen: TestReport) => {
      const report = redact(seen);
      reports.push(report);
      const extra = report.error ? ` (${report.error})` : "";
      const findings = report.findings ?? [];
      await log.info(
        `${report.kind}: ${report.passed} passed, ${report.failed} failed${findings.length ? `, ${findings.length} finding(s)` : ""}${extra}`,
      );
      for (const f of findings.slice(0, 20))
        await log.warn(`finding (${report.kind}, ${f.check}): ${f.name}: ${f.message}`.slice(0, 1000), {
          finding: f,
        });
      return report.ok;
    };
    // A suite that throws (an answer it could not read, say) reports the error; it never fails the stage.
    const guarded = async (kind: TestReport["kind"], suite: () => Promise<TestReport>): Promise<TestReport> => {
      const t0 = Date.now();
      try {
        return await suite();
      } catch (err) {
        return testReport(kind, [], t0, { error: `the ${kind} suite could not finish: ${String(err).slice(0, 300)}` });
      }
    };
    const spec = plan.spec;
    const hasExamples = examplesOf(spec).length > 0;
    const unitTests = async () => {
      this.at("the unit tests");
      return record(await runUnitTests(this.env.LOADER, bundle));
    };
    this.at("the contract check");
    const contract = await runContractCheck(this.env, spec, job.input.allowBreaking === true);
    if (contract?.changes?.length)
      // The diff goes to the run's events whether or not it blocks the deploy.
      await log.info(
        `contract changes against the live version: ${contract.changes.map((c) => `${c.breaking ? "BREAKING " : ""}${c.message}`).join("; ")}`.slice(
          0,
          2000,
        ),
        { changes: contract.changes },
      );
    if (
      (contract === null || (await record(contract))) &&
      (await unitTests()) &&
      (!hasExamples ||
        (await record(
          await this.onExampleStaging(job.runId, job.round, bundle, (send) => runExamplesSuite(spec, send)),
        )))
    ) {
      await this.onStaging(job.runId, job.round, spec, bundle, async (client, count) => {
        // Each request names the step it is: a staging copy that never answers fails the stage naming it.
        let suite = "integration";
        const raw: AppClient = (method, path, ...rest) => {
          this.at(`${suite}: ${method} ${path}`);
          return client(method, path, ...rest);
        };
        // An app with owned entities is driven signed in; the accounts' own cases use the raw client.
        const send = await signedInClient(spec, raw);
        const integration = await guarded("integration", () => runIntegrationSuite(spec, send));
        if (!(await record(withCases(integration, await accountsCases(spec, raw))))) return;
        suite = "security";
        const security = await guarded("security", () =>
          runSecuritySuite(spec, bundle.files, (r) => send(r.method, r.path, r.body, r.headers), count),
        );
        if (!(await record(security))) return;
        suite = "performance";
        await record(await guarded("performance", () => runPerformanceSuite(spec, send)));
      });
    }
    const passed = reports.every((r) => r.ok);
    const counts = reports.map((r) => `${r.kind} ${r.passed}/${r.passed + r.failed}`).join(", ");
    const found = reports.reduce((n, r) => n + (r.findings?.length ?? 0), 0);
    return {
      output: { passed, reports },
      summary: `${passed ? "all gates passed" : "tests failed"}: ${counts}${found ? `; ${found} finding(s) (warnings)` : ""}`,
    };
  }

  /**
   * The examples' own staging copy, empty when they start (the other suites write to theirs): one
   * host per partition key a step names, all wiped before and after.
   */
  private async onExampleStaging<T>(
    runId: string,
    round: number,
    bundle: CodeBundle,
    body: (send: PartitionFetch) => Promise<T>,
  ): Promise<T> {
    const hosts = new Map<string | null, ReturnType<typeof stagingHostOf>>();
    const hostOf = async (key: string | null) => {
      let host = hosts.get(key);
      if (!host) {
        host = stagingHostOf(this.env, runId, round, { suite: "examples", key });
        hosts.set(key, host);
        await host.discard();
      }
      return host;
    };
    try {
      return await body(async (key, request) => {
        // What the live host tells a perKey app about its partition (workers/deploy app-host/host.ts).
        const req = new Request(request);
        this.at(`examples: ${req.method} ${new URL(req.url).pathname}`);
        req.headers.delete(PARTITION_KEY_HEADER);
        if (key !== null) req.headers.set(PARTITION_KEY_HEADER, key);
        try {
          return await (await hostOf(key)).serveBundle(req, bundle);
        } catch (err) {
          // The app could not answer at all (it threw while starting): a failed request, said as such.
          const message = err instanceof Error ? err.message : String(err);
          return Response.json({ crashed: message.slice(0, 300) }, { status: 500 });
        }
      });
    } finally {
      for (const host of hosts.values()) await host.discard();
    }
  }

  /** Staging hosts are named with a colon, which no app name can contain, and are wiped before and after. */
  private async onStaging(
    runId: string,
    round: number,
    spec: AppSpec,
    bundle: CodeBundle,
    body: (send: AppClient, count: () => Promise<number>) => Promise<void>,
  ) {
    const host = stagingHostOf(this.env, runId, round);
    await host.discard();
    try {
      await body(stagingClient(host, bundle, spec), () => countRecords(host, bundle));
    } finally {
      await host.discard();
    }
  }
}
