import type { StageName } from "@aidevos/core";

/** What a stage tells the run about one round of its work. */
export interface StageReport {
  stage: StageName;
  round: number;
  status: "running" | "succeeded" | "failed";
  attempts: number;
  summary: string | null;
  output?: unknown;
  error?: { code: string; message: string };
  startedAt: string | null;
  finishedAt: string | null;
}

/** A unit of work handed to a stage: one round of one run. */
export interface StageJob<I> {
  runId: string;
  round: number;
  input: I;
}

export interface StageOutcome<O> {
  output: O;
  summary: string;
}

/** Lines a stage writes to its run's event stream while it works. */
export interface StageLog {
  info(message: string, data?: unknown): Promise<void>;
  warn(message: string, data?: unknown): Promise<void>;
}
