import { ModelCallLimitError, type RunUsage } from "@aidevos/core";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult } from "./provider";
import { addCounts, costUsd, type TokenBudget } from "./usage";

export const NO_RUN_USAGE: RunUsage = {
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
};

export const addRunUsage: (a: RunUsage, b: RunUsage) => RunUsage = addCounts;

/**
 * Counts the calls, tokens and cost of everything a stage asks its provider, and holds the run to
 * its token budget whatever the provider: a call is refused once the budget is spent.
 */
export class MeteredProvider implements LlmProvider {
  private total: RunUsage = NO_RUN_USAGE;

  constructor(
    private readonly inner: LlmProvider,
    private readonly budget?: TokenBudget,
    /** The calls this stage may still make: the run's hard bound on model calls, less what it made. */
    private readonly callsLeft?: number,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get usage(): RunUsage {
    return this.total;
  }

  private readonly answeredBy: Partial<Record<LlmTask, string>> = {};

  /** The model that answered a task (what the model updater keeps statistics on). */
  modelOf(task: LlmTask): string | undefined {
    return this.answeredBy[task];
  }

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    this.budget?.check();
    if (this.callsLeft !== undefined && this.total.calls >= this.callsLeft) throw new ModelCallLimitError();
    const result = await this.inner.structured(call);
    const { usage, model } = result;
    this.budget?.charge(usage);
    this.answeredBy[call.task] = model;
    this.total = addRunUsage(this.total, { calls: 1, ...usage, costUsd: costUsd(model, usage) });
    return result;
  }
}
