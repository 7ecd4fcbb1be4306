import type { AppSpec, CodeBundle, DeployedApp, Plan, ReviewFinding, TestReport } from "@aidevos/core";

/** What each stage receives and returns: the typed hand-offs of the pipeline. */
export interface PlanningInput {
  request: string;
  spec?: AppSpec;
  app?: string;
}
export type PlanningOutput = Plan;

export interface CodegenInput {
  plan: Plan;
  /** Set on refine rounds: the code that failed and why. */
  previous?: CodeBundle;
  failures?: TestReport[];
  /** Blocking (severity error) review findings on `previous`, fixed in the same round as test failures. */
  findings?: ReviewFinding[];
}
export interface CodegenOutput {
  bundle: CodeBundle;
  review: ReviewFinding[];
  model?: string;
  prompt?: string;
}

export interface TestingInput {
  plan: Plan;
  bundle: CodeBundle;
}
export interface TestingOutput {
  passed: boolean;
  reports: TestReport[];
}

export interface DeployInput {
  plan: Plan;
  bundle: CodeBundle;
  /** On Cloudflare: the share of traffic the new version starts on. */
  canaryPercent?: number;
}
export type DeployOutput = DeployedApp & { codeHash: string; created: boolean };

export interface MonitoringInput {
  app: DeployedApp;
  plan: Plan;
}
export interface MonitoringOutput {
  probes: { method: string; path: string; status: number; ms: number }[];
}

export interface LearningInput {
  app: DeployedApp;
  refineRounds: number;
  failures: TestReport[];
  /** The model and prompt version that wrote the deployed code, and what the run cost. */
  model?: string;
  prompt?: string;
  costUsd: number;
  /** What code review said about the deployed code. */
  review?: ReviewFinding[];
}
export interface LearningOutput {
  lessons: string[];
}
