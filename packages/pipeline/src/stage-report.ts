import type { RunUsage, StageName } from "@aidevos/core";
import type { ModelOptions } from "@aidevos/llm";
import type { StageOutput } from "./handoffs";

interface ReportOf<S extends StageName> {
  stage: S;
  round: number;
  attempts: number;
  summary: string | null;
  error?: { code: string; message: string };
  /** Model calls the round made. */
  usage?: RunUsage;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * What a stage tells the run about one round of its work: a union keyed by stage, so a succeeded
 * report of a stage carries that stage's output type.
 */
export type StageReport = {
  [S in StageName]:
    | (ReportOf<S> & { status: "succeeded"; output: StageOutput<S> })
    | (ReportOf<S> & { status: "running"; output?: undefined })
    | (ReportOf<S> & { status: "failed"; output?: undefined });
}[StageName];

/** A report of a round that has ended. */
export type FinishedReport = Extract<StageReport, { status: "succeeded" | "failed" }>;

/** A unit of work handed to a stage: one round of one run. */
export interface StageJob<I> {
  runId: string;
  round: number;
  input: I;
  /** The run's model choices: a replay fixture, the tokens left in its budget, whether it learns. */
  model?: ModelOptions;
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

/** What a run may ask of a stage's instance: take a round, or stop. StageDO implements it. */
export interface StageEndpoint<I> {
  begin(job: StageJob<I>): Promise<{ accepted: boolean }>;
  cancel(): Promise<void>;
  forget(): Promise<boolean>;
}
