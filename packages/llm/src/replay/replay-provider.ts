import { AidevosError } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";

/** A recorded model conversation: the answer to each call, by task and round. */
export interface Fixture {
  name: string;
  description: string;
  calls: { task: LlmTask; round?: number; model: string; usage?: Usage; answer: unknown }[];
}

export class ReplayMissError extends AidevosError {
  constructor(fixture: string, task: LlmTask, round: number) {
    super("replay_missing", `fixture "${fixture}" has no recorded answer for ${task} in round ${round}`, 422);
  }
}

/**
 * Answers from a recorded fixture, deterministic and offline: tests and benchmarks replay real
 * conversations through the same stages, schemas and accounting as a live model.
 */
export class ReplayProvider implements LlmProvider {
  readonly name = "replay";

  constructor(private readonly fixture: Fixture) {}

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const round = call.round ?? 0;
    const entry =
      this.fixture.calls.find((c) => c.task === call.task && c.round === round) ??
      this.fixture.calls.find((c) => c.task === call.task && c.round === undefined);
    if (!entry) throw new ReplayMissError(this.fixture.name, call.task, round);
    return { value: call.schema.parse(entry.answer), usage: entry.usage ?? NO_USAGE, model: entry.model };
  }
}
