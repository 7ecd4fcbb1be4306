import type { RunUsage, StageName } from "@aidevos/core";

/** What a stage tells the run about one round of its work. */
export interface StageReport {
  stage: StageName;
  round: number;
  status: "running" | "succeeded" | "failed";
  attempts: number;
  summary: string | null;
  output?: unknown;
  error?: { code: string; message: string };
  /** Model calls the round made. */
  usage?: RunUsage;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A unit of work handed to a stage: one round of one run. */
export interface StageJob<I> {
  runId: string;
  round: number;
  input: I;
  /** The run's model choices: a replay fixture, and the tokens left in its budget. */
  model?: { replay?: string; budgetLeft?: number; learning?: boolean };
}

export interface StageOutcome<O> {
  output: O;
  summary: string;
  usage?: RunUsage;
}

/** Lines a stage writes to its run's event stream while it works. */
export interface StageLog {
  info(message: string, data?: unknown): Promise<void>;
  warn(message: string, data?: unknown): Promise<void>;
}
