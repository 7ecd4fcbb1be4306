import { AppDetail, AppList, AppName, ListQuery, RollbackBody } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";

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

const VersionChange = z.object({ ok: z.literal(true), version: z.int(), fromVersion: z.int() });

export const rollbackAppRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/rollback",
  summary: "Return an app to an earlier version (the one before the live version by default), on its data",
  middleware: [jsonBody] as const,
  request: {
    params: z.object({ name: AppName }),
    body: { required: true, content: { "application/json": { schema: RollbackBody } } },
  },
  responses: {
    200: { content: { "application/json": { schema: VersionChange } }, description: "the version now live" },
    400: { content: { "application/json": { schema: ErrorBody } }, description: "no such version, or already live" },
    404: { content: { "application/json": { schema: ErrorBody } }, description: "no such app" },
  },
});

export const promoteAppRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/promote",
  summary: "Put a canary version on all of the traffic",
  request: { params: z.object({ name: AppName }) },
  responses: {
    200: { content: { "application/json": { schema: VersionChange } }, description: "the version now on all traffic" },
    400: { content: { "application/json": { schema: ErrorBody } }, description: "the live version is not a canary" },
    404: { content: { "application/json": { schema: ErrorBody } }, description: "no such app" },
  },
});
