import { AidevosError } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";

/** A recorded model conversation: the answer to each call, by task and round. */
export interface Fixture {
  name: string;
  description: string;
  calls: {
    task: LlmTask;
    round?: number;
    /** Recorded with this text among the retrieved knowledge: chosen only when the call carries it too. */
    requiresKnowledge?: string;
    model: string;
    usage?: Usage;
    answer: unknown;
  }[];
}

class ReplayMissError extends AidevosError {
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
    const knows = (c: Fixture["calls"][number]) =>
      c.requiresKnowledge === undefined || (call.knowledge ?? []).some((k) => k.includes(c.requiresKnowledge!));
    // The most specific recording wins: the round's own, and one made with the same knowledge.
    const rank = (c: Fixture["calls"][number]) => (c.round === round ? 2 : 0) + (c.requiresKnowledge ? 1 : 0);
    const entry = this.fixture.calls
      .filter((c) => c.task === call.task && knows(c) && (c.round === undefined || c.round === round))
      .sort((a, b) => rank(b) - rank(a))[0];
    if (!entry) throw new ReplayMissError(this.fixture.name, call.task, round);
    return { value: call.schema.parse(entry.answer), usage: entry.usage ?? NO_USAGE, model: entry.model };
  }
}
