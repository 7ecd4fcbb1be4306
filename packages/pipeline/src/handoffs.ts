import type { AppSpec, CodeBundle, DeployedApp, Plan, ReviewFinding, StageName, TestReport } from "@aidevos/core";

/** What each stage receives and returns: the typed hand-offs of the pipeline. */
export interface PlanningInput {
  request: string;
  spec?: AppSpec;
  app?: string;
  /** Free text that named no app: the run builds a new app and never deploys over one that exists. */
  newApp?: boolean;
}

export interface CodegenInput {
  plan: Plan;
  /** Set on refine rounds: the code that failed and why. */
  previous?: CodeBundle;
  /** Set on refine rounds: the spec `previous` was compiled from, every action's code in it. */
  previousSpec?: AppSpec;
  failures?: TestReport[];
  /** Blocking (severity error) review findings on `previous`, fixed in the same round as test failures. */
  findings?: ReviewFinding[];
}
export interface CodegenOutput {
  bundle: CodeBundle;
  /**
   * The spec the bundle was compiled from: the plan's, with the code a model wrote for its actions.
   * What testing plays and deploy records, so a feedback run starts from the live code.
   */
  spec: AppSpec;
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
  /** The run's `options.allowWidening`: a version that widens outbound, access, secret reads or outgoing records deploys. */
  allowWidening?: boolean;
  /** The run's `options.allowBreaking`: the deploy lock's breaking-change check lets it through. */
  allowBreaking?: boolean;
  /** The run's PlanningInput.newApp: the deploy lock refuses it on an app that exists. */
  newApp?: boolean;
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
  /**
   * Set when the run failed (the run hands its outcome to learning as it ends): why. `app` then
   * names the app the run was building, at version 0 and with no URL, as nothing was deployed.
   */
  failed?: { code: string; message: string };
  /** The request and the spec the app was built from: a deployed, healthy app becomes a pattern. */
  request?: string;
  spec?: AppSpec;
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
