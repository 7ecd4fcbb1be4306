import { PlatformLimits } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { json, unauthorized } from "../openapi";

export const limitsRoute = createRoute({
  method: "get",
  path: "/v1/limits",
  operationId: "getLimits",
  summary: "The platform's limits and where they stand: concurrent runs, daily model spend, run budgets, quotas",
  responses: {
    ...unauthorized,
    200: json(PlatformLimits, "each limit's setting as it stands now, and today's figures"),
  },
});
