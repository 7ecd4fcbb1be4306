import { AidevosError, CodeBundle, type Plan, ReviewFinding, type TestReport } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import { scanSource } from "@aidevos/sandbox";
import { z } from "zod";

/** Code generator: tasks → source files and their unit tests. */
export class CodeGenerator {
  constructor(private readonly provider: LlmProvider) {}

  async generate(plan: Plan, knowledge: string[] = []): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "code",
      knowledge,
      schema: CodeBundle,
      system: prompt("code").text,
      input: { plan },
    });
    return value;
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

/** Code refiner: new code from the failures of the previous round. */
export class CodeRefiner {
  constructor(private readonly provider: LlmProvider) {}

  async refine(
    plan: Plan,
    previous: CodeBundle,
    failures: TestReport[],
    round: number,
    knowledge: string[] = [],
  ): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "refine",
      round,
      knowledge,
      schema: CodeBundle,
      system: prompt("refine").text,
      input: { plan, previous, failures },
    });
    if (value.hash === previous.hash) {
      const failing = failures.flatMap((r) => r.cases.filter((c) => !c.ok).map((c) => c.name)).slice(0, 5);
      throw new AidevosError(
        "refine_stalled",
        `the refiner produced the same code again, so the same tests would fail (${failing.join("; ") || "see the test reports"})`,
      );
    }
    return value;
  }
}
