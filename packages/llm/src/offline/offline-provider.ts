import { compileApp } from "@aidevos/compiler";
import { type AppSpec, type CodeBundle, OfflineNeedsSpecError, type Plan } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult } from "../provider";
import { NO_USAGE } from "../provider";
import { describeArchitecture, planTasks } from "./architecture";

type Answer = (input: any) => unknown | Promise<unknown>;

/**
 * The deterministic provider used when no model is configured: it builds apps from an AppSpec
 * alone (planning derives from the spec, code comes from the AppSpec compiler), and says so
 * clearly when a request has no spec. Same input, same answer, no network.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = "offline";

  private readonly answers: Record<LlmTask, Answer> = {
    spec: (input: { spec?: AppSpec }) => {
      if (!input.spec) throw new OfflineNeedsSpecError();
      const requirements = input.spec.description ? [input.spec.description] : [];
      return { spec: input.spec, requirements, acceptanceCriteria: [] };
    },
    architecture: (input: { spec: AppSpec }) => describeArchitecture(input.spec),
    tasks: (input: { spec: AppSpec }) => planTasks(input.spec),
    code: (input: { plan: Plan }) => compileApp(input.plan.spec),
    // The compiler is the offline model: a refine round can only rebuild the same code, which
    // the code refiner notices and reports instead of looping.
    refine: (input: { plan: Plan; previous: CodeBundle }) => compileApp(input.plan.spec),
    review: () => ({ findings: [] }),
  };

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const value = call.schema.parse(await this.answers[call.task](call.input));
    return { value, usage: NO_USAGE, model: "offline" };
  }
}
