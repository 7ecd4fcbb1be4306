import { AidevosError, CodeBundle, type Plan, type ReviewFinding, type TestReport } from "@aidevos/core";
import type { LlmProvider } from "@aidevos/llm";
import { scanSource } from "@aidevos/sandbox";
import { z } from "zod";

/** Code generator: tasks → source files and their unit tests. */
export class CodeGenerator {
  constructor(private readonly provider: LlmProvider) {}

  async generate(plan: Plan): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "code",
      schema: CodeBundle,
      system: "Write the files of the plan's tasks as ES modules for a Durable Object app, with unit tests.",
      input: { plan },
    });
    return value;
  }
}

/** Code reviewer: deterministic policy checks always, plus the model's review where one is configured. */
export class CodeReviewer {
  constructor(private readonly provider: LlmProvider) {}

  async review(bundle: CodeBundle): Promise<ReviewFinding[]> {
    const { value } = await this.provider.structured({
      task: "review",
      schema: z.object({ findings: z.array(z.custom<ReviewFinding>()) }),
      system: "Review the code for bugs, contract violations and unsafe APIs.",
      input: { bundle },
    });
    return [...scanSource(bundle.files), ...value.findings];
  }
}

/** Code refiner: new code from the failures of the previous round. */
export class CodeRefiner {
  constructor(private readonly provider: LlmProvider) {}

  async refine(plan: Plan, previous: CodeBundle, failures: TestReport[]): Promise<CodeBundle> {
    const { value } = await this.provider.structured({
      task: "refine",
      schema: CodeBundle,
      system: "Fix the code so that the failing tests pass, changing nothing else.",
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
