import { type AppPattern, type AppSpec, Architecture, CodingTask } from "@aidevos/core";
import { type LlmProvider, prompt } from "@aidevos/llm";
import { z } from "zod";

/** An app pattern as the architecture designer sees it: an app known to work, by its spec. */
interface PatternExample {
  title: string;
  spec: AppPattern["spec"];
}

/** Architecture designer: the Durable Object class, routes, storage and bindings for a spec. */
export class ArchitectureDesigner {
  constructor(private readonly provider: LlmProvider) {}

  /**
   * `patterns`: the app patterns the spec prompt was given (the closest apps known to work), given
   * here too as worked examples, so alike parts (partition, routes, storage) are designed alike.
   */
  async design(spec: AppSpec, knowledge: string[] = [], patterns: PatternExample[] = []): Promise<Architecture> {
    const { value } = await this.provider.structured({
      task: "architecture",
      knowledge,
      schema: Architecture,
      system: prompt("architecture").text,
      input: {
        spec,
        ...(patterns.length ? { workedExamples: patterns.map(({ title, spec }) => ({ title, spec })) } : {}),
      },
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
