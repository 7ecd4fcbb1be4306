import { type AppPattern, type AppSpec, SpecDraft, ValidationError } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import type { PlanningInput } from "@aidevos/pipeline";

/** An app pattern as a worked example: what was asked, and the spec that answered it. */
interface WorkedExample {
  title: string;
  request: string;
  spec: AppPattern["spec"];
}

/**
 * Specification generator: a request, or feedback on a deployed app, becomes the AppSpec to build,
 * with the requirements and acceptance criteria the spec itself cannot express.
 */
export class SpecGenerator {
  constructor(private readonly provider: LlmProvider) {}

  /**
   * `patterns`: the knowledge base's closest app patterns, whole specs of apps known to work, given
   * to the model as worked examples beside the request.
   */
  async generate(
    input: PlanningInput,
    currentSpec: AppSpec | null,
    patterns: WorkedExample[] = [],
  ): Promise<SpecDraft> {
    const { value } = await this.provider.structured({
      task: "spec",
      schema: SpecDraft,
      system: prompt("spec").text,
      input: {
        ...input,
        ...(currentSpec ? { currentSpec } : {}),
        ...(patterns.length ? { workedExamples: patterns } : {}),
      },
    });
    if (input.app && value.spec.name !== input.app) {
      throw new ValidationError([
        { path: "app", message: `the spec names app "${value.spec.name}", not "${input.app}"` },
      ]);
    }
    return value;
  }
}
