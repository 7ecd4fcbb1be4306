import type { LearningInput } from "@aidevos/pipeline";
import type { FlowContext } from "./flow";

/**
 * What learning gets from a run that failed: its failing tests, the model and prompt version that
 * wrote its last code, what it cost and why it failed. A run that failed before any code was
 * written (planning) gives nothing to learn about code, so it gets no hand-off.
 */
export function failedRunLearning(ctx: FlowContext, failed: { code: string; message: string }): LearningInput | null {
  let last = -1;
  while (ctx.artifact("codegen", last + 1)) last += 1;
  if (last < 0) return null;
  const code = ctx.artifact("codegen", last)!;
  const plan = ctx.artifact("planning", 0);
  const failures: LearningInput["failures"] = [];
  for (let round = 0; round <= last; round++) {
    const tested = ctx.artifact("testing", round);
    if (tested && !tested.passed) failures.push(...tested.reports.filter((r) => !r.ok));
  }
  return {
    app: { name: plan?.spec.name ?? ctx.input.app ?? "unknown", version: 0, url: "" },
    refineRounds: last,
    failures,
    model: code.model,
    prompt: code.prompt,
    costUsd: ctx.costUsd,
    review: code.review,
    failed: { code: failed.code, message: failed.message.slice(0, 500) },
  };
}
