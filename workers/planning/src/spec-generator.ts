import { type AppSpec, SpecDraft, ValidationError } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import type { PlanningInput } from "@aidevos/pipeline";

/**
 * Specification generator: a request, or feedback on a deployed app, becomes the AppSpec to build,
 * with the requirements and acceptance criteria the spec itself cannot express.
 */
export class SpecGenerator {
  constructor(private readonly provider: LlmProvider) {}

  async generate(input: PlanningInput, currentSpec: AppSpec | null): Promise<SpecDraft> {
    const { value } = await this.provider.structured({
      task: "spec",
      schema: SpecDraft,
      system: prompt("spec").text,
      input: { ...input, ...(currentSpec ? { currentSpec } : {}) },
    });
    if (input.app && value.spec.name !== input.app) {
      throw new ValidationError([
        { path: "app", message: `the spec names app "${value.spec.name}", not "${input.app}"` },
      ]);
    }
    return value;
  }
}
