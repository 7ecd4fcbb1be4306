import type { AppSpec, CodeBundle, DeployedApp, Plan, ReviewFinding, StageName, TestReport } from "@aidevos/core";

/** What each stage receives and returns: the typed hand-offs of the pipeline. */
export interface PlanningInput {
  request: string;
  spec?: AppSpec;
  app?: string;
}

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
  /** The run's `options.allowBreaking`: breaking contract changes are listed but do not fail. */
  allowBreaking?: boolean;
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

/**
 * The pipeline's hand-off map: what each stage takes and gives. Reports, artifacts and hand-offs
 * are typed by it, so routing between stages needs no casts. A new stage starts here.
 * @public
 */
export interface Handoffs {
  planning: { input: PlanningInput; output: Plan };
  codegen: { input: CodegenInput; output: CodegenOutput };
  testing: { input: TestingInput; output: TestingOutput };
  deploy: { input: DeployInput; output: DeployOutput };
  monitoring: { input: MonitoringInput; output: MonitoringOutput };
  learning: { input: LearningInput; output: LearningOutput };
}

// Indexing by StageName below fails to compile when a stage has no entry in the map.
export type StageInput<S extends StageName> = Handoffs[S]["input"];
export type StageOutput<S extends StageName> = Handoffs[S]["output"];
