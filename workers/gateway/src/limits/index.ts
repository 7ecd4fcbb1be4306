import { type PlatformLimits, quotaValues, setting } from "@aidevos/core";
import { registryOf } from "@aidevos/objects";
import { OpenAPIHono } from "@hono/zod-openapi";
import { validationHook } from "../errors";
import { limitsRoute } from "./routes";

/** `GET /v1/limits`: what the dashboard's Limits page shows (issue 27: limits are settings the operator can see). */
export const limits = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

limits.openapi(limitsRoute, async (c) => {
  const now = await registryOf(c.env).runLimits();
  const body: PlatformLimits = {
    runs: {
      running: now.running,
      waiting: now.waiting,
      maxConcurrent: now.maxConcurrent,
      defaultTokenBudget: setting(c.env, "AIDEVOS_RUN_TOKEN_BUDGET"),
      maxModelCalls: setting(c.env, "AIDEVOS_RUN_MAX_MODEL_CALLS"),
      kept: setting(c.env, "AIDEVOS_RUNS_KEPT"),
    },
    spend: { day: now.day, spentTodayUsd: now.spentTodayUsd, dailyCapUsd: now.dailySpendCapUsd },
    automaticRuns: {
      tokenBudget: setting(c.env, "AIDEVOS_AUTO_RUN_TOKEN_BUDGET"),
      cooldownSeconds: setting(c.env, "AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS"),
    },
    quotas: quotaValues(c.env),
  };
  return c.json(body, 200);
});
