import { AppSpec, ValidationError } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import type { PlanningInput } from "@aidevos/pipeline";

/** Specification generator: the request (and spec, when the user gave one) becomes the AppSpec to build. */
export class SpecGenerator {
  constructor(private readonly provider: LlmProvider) {}

  async generate(input: PlanningInput): Promise<AppSpec> {
    const { value } = await this.provider.structured({
      task: "spec",
      schema: AppSpec,
      system: prompt("spec").text,
      input,
    });
    if (input.app && value.name !== input.app) {
      throw new ValidationError([{ path: "app", message: `the spec names app "${value.name}", not "${input.app}"` }]);
    }
    return value;
  }
}
