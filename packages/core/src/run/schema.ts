import { z } from "zod";
import { AppName, AppSpec } from "../appspec";

export const STAGES = ["planning", "codegen", "testing", "deploy", "monitoring", "learning"] as const;
export const StageName = z.enum(STAGES);
export type StageName = z.infer<typeof StageName>;

export const RunStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];

export const StageStatus = z.enum(["pending", "running", "succeeded", "failed", "cancelled"]);
export type StageStatus = z.infer<typeof StageStatus>;

/** How a run talks to models. */
export const RunOptions = z.strictObject({
  /** Answer model calls from a recorded fixture (packages/llm/fixtures) instead of a model: tests, benchmarks, demos. */
  replay: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .optional(),
  /** Tokens the run may spend on model calls (input + output + cache); the run stops past it. */
  tokenBudget: z.int().min(1_000).max(50_000_000).optional(),
  /** Retrieve knowledge for the prompts and learn from the outcome (default true). */
  learning: z.boolean().optional(),
  /** On Cloudflare, start the new version on this share of traffic; promote or roll back later. */
  canaryPercent: z.int().min(1).max(99).optional(),
  /**
   * Deploy even when the new version breaks the live version's contract (a removed route or field,
   * a new required field, a tightened constraint, a changed type); without it such a run fails
   * with `breaking_change` and the list of changes.
   */
  allowBreaking: z.boolean().optional(),
  /**
   * Findings of the checks the platform derives for action code (fuzzing, undeclared statuses,
   * route shapes, performance, static review) block code the spec gave too; without it they are
   * reported as warnings and block only code a model wrote, once its refine rounds are spent.
   */
  strict: z.boolean().optional(),
  /**
   * Deploy a feedback or fix run even when its version widens the app's security: a new `outbound`
   * origin, a changed `access`, an action that starts reading secrets or calling out while it reads
   * records. Without it such a run fails with `widening_change` and the list.
   */
  allowWidening: z.boolean().optional(),
});
export type RunOptions = z.infer<typeof RunOptions>;

/** Model calls and their cost, summed over a run. */
export const RunUsage = z.object({
  calls: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  cacheReadTokens: z.int(),
  cacheWriteTokens: z.int(),
  costUsd: z.number(),
});
export type RunUsage = z.infer<typeof RunUsage>;

/** The body of `POST /v1/runs`. */
export const CreateRunBody = z.strictObject({
  request: z.string().trim().min(1, "describe the feature").max(20_000),
  spec: AppSpec.optional(),
  /**
   * Build on an existing app: the run deploys its next version. Defaults to `spec.name`. Free text
   * with neither builds a new app, named from the request, and never deploys over an existing one.
   */
  app: AppName.optional(),
  options: RunOptions.optional(),
});
export type CreateRunBody = z.infer<typeof CreateRunBody>;

const RunError = z.object({ code: z.string(), message: z.string() });

export const StageState = z.object({
  name: StageName,
  status: StageStatus,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  attempts: z.int(),
  /** How many times the stage ran for this run (codegen runs again for each refine round). */
  rounds: z.int(),
  summary: z.string().nullable(),
});
export type StageState = z.infer<typeof StageState>;

/** The knowledge-base app pattern an offline run from free text was built from, and how well it matched (0 to 1). */
export const RunPattern = z.object({ id: z.string(), title: z.string(), score: z.number() });
export type RunPattern = z.infer<typeof RunPattern>;

export const DeployedApp = z.object({ name: z.string(), version: z.int(), url: z.string() });
export type DeployedApp = z.infer<typeof DeployedApp>;

export const Run = z.object({
  id: z.string(),
  status: RunStatus,
  stage: StageName.nullable(),
  request: z.string(),
  app: DeployedApp.optional(),
  /** Set when the run was built from an app pattern (offline free text): which one, and its match score. */
  pattern: RunPattern.optional(),
  stages: z.array(StageState),
  error: RunError.optional(),
  usage: RunUsage,
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.object({ self: z.string(), events: z.string(), tests: z.string(), files: z.string() }),
});
export type Run = z.infer<typeof Run>;

export const RunSummary = Run.pick({ id: true, status: true, stage: true, request: true, createdAt: true }).extend({
  app: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunList = z.object({ items: z.array(RunSummary), nextCursor: z.string().nullable() });

const RunEventType = z.enum(["run", "stage", "log"]);
/** One entry of a run's ordered history, as streamed by `GET /v1/runs/:id/events`. */
export const RunEvent = z.object({
  seq: z.int(),
  at: z.string(),
  type: RunEventType,
  stage: StageName.nullable(),
  level: z.enum(["info", "warn", "error"]),
  message: z.string(),
  data: z.unknown().optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
