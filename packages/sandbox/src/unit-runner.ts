import { type CodeBundle, type TestCaseResult, type TestReport, testReport } from "@aidevos/core";
import { type SandboxOptions, unitTestWorkerCode } from "./worker-code";

function failed(error: string, started: number, cases: TestCaseResult[] = []): TestReport {
  return testReport("unit", cases, started, { error });
}

/**
 * Runs a bundle's unit tests in a fresh sandboxed dynamic Worker. A syntax error, an import that
 * throws or an endless loop becomes a failed report with `error` set; this never throws.
 */
export async function runUnitTests(
  loader: WorkerLoader,
  bundle: CodeBundle,
  opts: SandboxOptions = {},
): Promise<TestReport> {
  const started = Date.now();
  if (!bundle.files.some((f) => f.role === "test")) return failed("the bundle has no unit tests", started);
  let code: WorkerLoaderWorkerCode;
  try {
    code = unitTestWorkerCode(bundle, opts);
  } catch (err) {
    return failed(String(err instanceof Error ? err.message : err), started);
  }
  let cases: TestCaseResult[];
  try {
    const res = await loader.load(code).getEntrypoint().fetch("http://unit-tests/");
    if (!res.ok) return failed(`the test worker answered ${res.status}: ${(await res.text()).slice(0, 500)}`, started);
    cases = (await res.json()) as TestCaseResult[];
  } catch (err) {
    const message = String(err instanceof Error ? err.message : err);
    const limited = /CPU budget exceeded/.test(message) ? " (an endless loop at module load?)" : "";
    return failed(`${message.slice(0, 1000)}${limited}`, started);
  }
  if (cases.length === 0) return failed("the test files registered no test cases", started);
  return testReport("unit", cases, started);
}
