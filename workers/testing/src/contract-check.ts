import { type AppSpec, contractDiff, type TestCaseResult, type TestReport, testReport } from "@aidevos/core";
import { registryOf } from "@aidevos/objects";

/**
 * The contract gate: the new version's HTTP contract against the live version's (routes, fields,
 * constraints, defaults; packages/core contract/diff.ts). Every change is a case; a breaking one
 * fails unless the run allows breaking changes. The first version has nothing to break: no report.
 *
 * It runs in the testing stage, before any code runs, so a breaking spec costs no staging work; the
 * deploy checks again under the app's deploy lock (AppControlDO), against the version live then.
 */
export async function runContractCheck(env: Env, spec: AppSpec, allowBreaking: boolean): Promise<TestReport | null> {
  const started = Date.now();
  const live = await registryOf(env).specs(spec.name);
  if (!live) return null;
  const changes = contractDiff(live.spec, spec);
  const cases: TestCaseResult[] = changes.map((change) => ({
    name: change.message,
    ok: !change.breaking || allowBreaking,
    message: !change.breaking
      ? `compatible (${change.change} ${change.subject})`
      : allowBreaking
        ? `breaking, deployed because options.allowBreaking is set (${change.change} ${change.subject})`
        : `breaking (${change.change} ${change.subject}): clients of v${live.version} can fail; set options.allowBreaking to deploy anyway`,
    durationMs: 0,
  }));
  return testReport("contract", cases, started, { changes });
}
