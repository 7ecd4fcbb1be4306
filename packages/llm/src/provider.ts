import type { z } from "zod";

/** The structured calls the pipeline makes to a model, one per capability of the design. */
export type LlmTask = "spec" | "architecture" | "tasks" | "code" | "review" | "refine";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface StructuredCall<T> {
  task: LlmTask;
  /** The contract of the answer (from @aidevos/core); answers that do not match are rejected. */
  schema: z.ZodType<T>;
  /** The pipeline's instructions. The user's words travel only in `input`, as data. */
  system: string;
  input: unknown;
  /** The run's round (refine rounds count up), so a replayed run answers each round as recorded. */
  round?: number;
  /** The action a code, refine call is about (one call per action), so a replay answers each as recorded. */
  action?: string;
  /** The shared module a code call is about (one call per module a spec leaves without code). */
  module?: string;
  /** Knowledge retrieved for this call (best practices, lessons), sent as a cached part of the instructions. */
  knowledge?: string[];
}

export interface StructuredResult<T> {
  value: T;
  usage: Usage;
  model: string;
}

/** One interface for every model the stages can use. */
export interface LlmProvider {
  readonly name: string;
  structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>>;
}

export const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
