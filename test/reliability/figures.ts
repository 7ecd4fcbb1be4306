import type { TestContext } from "vitest";

/** What a reliability test measured; its name is the promise, and test/reliability/reporter.ts reports both. */
export type ReliabilityFigures = Record<string, number | string>;

declare module "vitest" {
  interface TaskMeta {
    reliability?: ReliabilityFigures;
  }
}

/** Records figures before a test asserts on them, so a broken promise is reported with its numbers. */
export function measured(context: TestContext, figures: ReliabilityFigures): void {
  context.task.meta.reliability = { ...context.task.meta.reliability, ...figures };
}
