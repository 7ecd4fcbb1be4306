import { AidevosError, ModelTruncatedError } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";
import { addUsage } from "../usage";

/** One answer of a fixture. */
interface FixtureCall {
  task: LlmTask;
  round?: number;
  /** The action a code or refine answer is for (one call per action). */
  action?: string;
  /** The shared module a code answer is for (one call per module). */
  module?: string;
  /** Recorded with this text among the retrieved knowledge: chosen only when the call carries it too. */
  requiresKnowledge?: string;
  /**
   * `max_tokens`: the answer was cut at the output cap. Like the real providers, a replay never
   * parses it: it counts its usage and asks again with more room (the next answer for the same call).
   */
  stopReason?: "end_turn" | "max_tokens";
  model: string;
  usage?: Usage;
  answer: unknown;
}

/** A model conversation: the answer to each call, by task, round and action. */
export interface Fixture {
  name: string;
  description: string;
  /**
   * `hand-written`: answers shaped like a real model's (fences, made-up hashes, cut answers, wrong
   * APIs), written by hand, not recorded; `scripted`: written by scripts/fixtures.record.ts, action
   * code with planted defects. Either way the usage figures are illustrative, not measured.
   */
  origin?: "hand-written" | "scripted";
  /** Says the above in the file itself, for whoever opens it. */
  note?: string;
  /** What a run replaying it must end as, in how many refine rounds (test/pipeline/model-fixtures.test.ts). */
  outcome?: { status: "succeeded" | "failed"; error?: string; rounds: number };
  calls: FixtureCall[];
}

class ReplayMissError extends AidevosError {
  constructor(fixture: string, task: LlmTask, round: number, action?: string, module?: string) {
    const of = action ? ` of action ${action}` : module ? ` of module ${module}` : "";
    super("replay_missing", `fixture "${fixture}" has no recorded answer for ${task}${of} in round ${round}`, 422);
  }
}

/**
 * Answers from a fixture, deterministic and offline: tests and benchmarks replay model
 * conversations through the same stages, schemas and accounting as a live model.
 */
export class ReplayProvider implements LlmProvider {
  readonly name = "replay";

  constructor(private readonly fixture: Fixture) {}

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const round = call.round ?? 0;
    const knows = (c: FixtureCall) =>
      c.requiresKnowledge === undefined || (call.knowledge ?? []).some((k) => k.includes(c.requiresKnowledge!));
    // The most specific recording wins: the round's own, and one made with the same knowledge.
    const rank = (c: FixtureCall) => (c.round === round ? 2 : 0) + (c.requiresKnowledge ? 1 : 0);
    const entries = this.fixture.calls
      .filter(
        (c) =>
          c.task === call.task &&
          knows(c) &&
          (c.action === undefined || c.action === call.action) &&
          (c.module === undefined || c.module === call.module) &&
          (c.round === undefined || c.round === round),
      )
      .sort((a, b) => rank(b) - rank(a));
    if (entries.length === 0) throw new ReplayMissError(this.fixture.name, call.task, round, call.action, call.module);
    let usage = NO_USAGE;
    for (const entry of entries) {
      usage = addUsage(usage, entry.usage ?? NO_USAGE);
      if (entry.stopReason === "max_tokens") continue;
      return { value: call.schema.parse(entry.answer), usage, model: entry.model };
    }
    throw new ModelTruncatedError(call.task, 64_000);
  }
}
