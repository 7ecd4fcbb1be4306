import { type AppSpec, OfflineNeedsSpecError } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult } from "../provider";
import { NO_USAGE } from "../provider";
import { describeArchitecture, planTasks } from "./architecture";

type Answer = (input: any) => unknown | Promise<unknown>;

/**
 * The deterministic provider used when no model is configured: it builds apps from an AppSpec
 * alone (planning derives from the spec, all code from the AppSpec compiler and the spec's actions), and says so
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
    // Offline, every action comes with its code (the gateway refuses a spec without it), so
    // codegen is the compiler alone and never asks for an action's code or a rewrite of it.
    code: () => {
      throw new OfflineNeedsSpecError();
    },
    refine: () => {
      throw new OfflineNeedsSpecError();
    },
    review: () => ({ findings: [] }),
  };

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const value = call.schema.parse(await this.answers[call.task](call.input));
    return { value, usage: NO_USAGE, model: "offline" };
  }
}
