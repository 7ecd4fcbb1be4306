import { type AppSpec, Architecture, CodingTask } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import { z } from "zod";

/** Architecture designer: the Durable Object class, routes, storage and bindings for a spec. */
export class ArchitectureDesigner {
  constructor(private readonly provider: LlmProvider) {}

  async design(spec: AppSpec, knowledge: string[] = []): Promise<Architecture> {
    const { value } = await this.provider.structured({
      task: "architecture",
      knowledge,
      schema: Architecture,
      system: prompt("architecture").text,
      input: { spec },
    });
    return value;
  }
}

/** Task breakdown: one coding task per file to write. */
export class TaskBreakdown {
  constructor(private readonly provider: LlmProvider) {}

  async breakdown(spec: AppSpec, architecture: Architecture): Promise<CodingTask[]> {
    const { value } = await this.provider.structured({
      task: "tasks",
      schema: z.array(CodingTask),
      system: prompt("tasks").text,
      input: { spec, architecture },
    });
    return value;
  }
}
