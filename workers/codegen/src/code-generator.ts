import {
  AidevosError,
  BundleDraft,
  type CodeBundle,
  type Plan,
  ReviewFinding,
  sealBundle,
  type TestReport,
} from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import { scanSource } from "@aidevos/sandbox";
import { z } from "zod";

/**
 * Code generator: tasks → source files and their unit tests. Models write a `BundleDraft` (no hash:
 * a model cannot compute one); the hash that names the code everywhere after (refine stall check,
 * loader cache id, Registry) is computed here from the files.
 */
export class CodeGenerator {
  constructor(private readonly provider: LlmProvider) {}

  async generate(plan: Plan, knowledge: string[] = []): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "code",
      knowledge,
      schema: BundleDraft,
      system: prompt("code").text,
      input: { plan },
    });
    return sealBundle(value);
  }
}

/** Code reviewer: deterministic policy checks always, plus the model's review where one is configured. */
export class CodeReviewer {
  constructor(private readonly provider: LlmProvider) {}

  async review(bundle: CodeBundle, round: number): Promise<ReviewFinding[]> {
    const { value } = await this.provider.structured({
      task: "review",
      round,
      schema: z.object({ findings: z.array(ReviewFinding) }),
      system: prompt("review").text,
      input: { bundle },
    });
    return [...scanSource(bundle.files), ...value.findings];
  }
}

/**
 * Code refiner: new code from what blocked the previous round, failing tests and blocking review
 * findings alike. A refiner that answers with the same files (same computed hash) stalls the run.
 */
export class CodeRefiner {
  constructor(private readonly provider: LlmProvider) {}

  async refine(
    plan: Plan,
    previous: CodeBundle,
    failures: TestReport[],
    round: number,
    knowledge: string[] = [],
    findings: ReviewFinding[] = [],
  ): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "refine",
      round,
      knowledge,
      schema: BundleDraft,
      system: prompt("refine").text,
      input: { plan, previous, failures, ...(findings.length ? { findings } : {}) },
    });
    const bundle = await sealBundle(value);
    if (bundle.hash === (await sealBundle(previous)).hash) {
      const failing = [
        ...findings.map((f) => `review: ${f.rule} ${f.message}`),
        ...failures.flatMap((r) => r.cases.filter((c) => !c.ok).map((c) => c.name)),
      ].slice(0, 5);
      throw new AidevosError(
        "refine_stalled",
        `the refiner produced the same code again, so the same problems remain (${failing.join("; ") || "see the test reports"})`,
      );
    }
    return bundle;
  }
}
