import { AppDetail, AppList, AppName, ListQuery } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()) }),
});

export const listAppsRoute = createRoute({
  method: "get",
  path: "/v1/apps",
  summary: "Deployed apps, by name",
  request: { query: ListQuery },
  responses: { 200: { content: { "application/json": { schema: AppList } }, description: "a page of apps" } },
});

export const getAppRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}",
  summary: "An app with its spec, versions and deploy history",
  request: { params: z.object({ name: AppName }) },
  responses: {
    200: { content: { "application/json": { schema: AppDetail } }, description: "the app" },
    404: { content: { "application/json": { schema: ErrorBody } }, description: "no such app" },
  },
});
