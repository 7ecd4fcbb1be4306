import { z } from "zod";

/**
 * The platform's limits on runs and what they stand at now (`GET /v1/limits`, the dashboard's
 * Limits page): each limit is a setting with a documented default (docs/security.md).
 */
export const PlatformLimits = z.object({
  runs: z.object({
    /** Runs holding a slot now, and runs waiting for one (status `queued`). */
    running: z.int(),
    waiting: z.int(),
    /** AIDEVOS_MAX_CONCURRENT_RUNS. */
    maxConcurrent: z.int(),
    /** AIDEVOS_RUN_TOKEN_BUDGET: a run's token budget when its request sets none. */
    defaultTokenBudget: z.int(),
    /** AIDEVOS_RUN_MAX_MODEL_CALLS. */
    maxModelCalls: z.int(),
    /** AIDEVOS_RUNS_KEPT: finished runs kept whole; older ones keep their summary. */
    kept: z.int(),
  }),
  spend: z.object({
    /** The UTC day the figures are for. */
    day: z.string(),
    spentTodayUsd: z.number(),
    /** AIDEVOS_DAILY_SPEND_USD: past it new runs are refused and automatic runs held back. */
    dailyCapUsd: z.number(),
  }),
  automaticRuns: z.object({
    /** AIDEVOS_AUTO_RUN_TOKEN_BUDGET. */
    tokenBudget: z.int(),
    /** AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS: per app, whatever the version. */
    cooldownSeconds: z.int(),
  }),
  /** Every quota of packages/core/src/settings/quotas.ts, by setting name, as it stands now. */
  quotas: z.record(z.string(), z.number()),
});
export type PlatformLimits = z.infer<typeof PlatformLimits>;
