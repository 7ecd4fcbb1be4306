import {
  AppDetail,
  AppList,
  AppliedChange,
  AppMetrics,
  AppName,
  AppRealtime,
  ContractDiff,
  ErrorGroup,
  FeedbackBody,
  FeedEntry,
  ListQuery,
  PartitionKey,
  RollbackBody,
  Run,
  ScheduleRunResult,
  UsageDay,
} from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";
import { error, json, unauthorized } from "../openapi";

export const listAppsRoute = createRoute({
  method: "get",
  path: "/v1/apps",
  operationId: "listApps",
  summary: "Deployed apps, by name",
  request: { query: ListQuery },
  responses: {
    ...unauthorized,
    200: json(AppList, "a page of apps"),
  },
});

export const getAppRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}",
  operationId: "getApp",
  summary: "An app with its spec, versions and deploy history",
  request: { params: z.object({ name: AppName }) },
  responses: {
    ...unauthorized,
    200: json(AppDetail, "the app"),
    404: error("no such app"),
  },
});

export const rollbackAppRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/rollback",
  operationId: "rollbackApp",
  summary: "Return an app to an earlier version (the one before the live version by default), on its data",
  middleware: [jsonBody] as const,
  request: {
    params: z.object({ name: AppName }),
    body: { required: true, content: { "application/json": { schema: RollbackBody } } },
  },
  responses: {
    ...unauthorized,
    200: json(AppliedChange, "the version now live"),
    400: error("no such version, or already live"),
    404: error("no such app"),
    409: error(
      "constraint_violation: live records break the target version's rules (details name them); options.force rolls back anyway",
    ),
  },
});

export const promoteAppRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/promote",
  operationId: "promoteApp",
  summary: "Put a canary version on all of the traffic",
  request: { params: z.object({ name: AppName }) },
  responses: {
    ...unauthorized,
    200: json(AppliedChange, "the version now on all traffic"),
    400: error("the live version is not a canary"),
    404: error("no such app"),
  },
});

const AppParams = z.object({ name: AppName });
const notFound = { 404: error("no such app") };

export const metricsRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/metrics",
  operationId: "getAppMetrics",
  summary: "Requests, status classes and latency percentiles per version and minute (or hour)",
  description:
    "Latency percentiles are estimated from a histogram with 1-2-5 ms bounds: interpolated linearly within the bucket that holds the rank; a rank over 10 s reads 10000.",
  request: {
    params: AppParams,
    query: z.strictObject({
      granularity: z.enum(["minute", "hour"]).default("minute"),
      limit: z.coerce.number().int().min(1).max(1000).default(60),
    }),
  },
  responses: {
    ...unauthorized,
    200: json(AppMetrics, "metrics"),
    ...notFound,
  },
});

export const errorsRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/errors",
  operationId: "getAppErrors",
  summary: "Error groups (message and top frame) with counts, versions and a redacted sample request",
  request: { params: AppParams },
  responses: {
    ...unauthorized,
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(ErrorGroup) }) } },
      description: "error groups",
    },
    ...notFound,
  },
});

export const usageRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/usage",
  operationId: "getAppUsage",
  summary: "Requests, unique keys and status mix per route and day",
  request: { params: AppParams, query: z.strictObject({ days: z.coerce.number().int().min(1).max(30).default(7) }) },
  responses: {
    ...unauthorized,
    200: json(z.object({ items: z.array(UsageDay) }), "usage"),
    ...notFound,
  },
});

export const feedRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/feed",
  operationId: "getAppFeed",
  summary: "What happened to the app: new error groups, spikes, rollbacks, fix and refine runs, feedback",
  request: { params: AppParams },
  responses: {
    ...unauthorized,
    200: json(z.object({ items: z.array(FeedEntry) }), "feed"),
    ...notFound,
  },
});

export const feedbackRoute = createRoute({
  method: "post",
  path: "/v1/feedback",
  operationId: "sendFeedback",
  summary: "Start an improvement run for a deployed app from the user's words",
  middleware: [jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: FeedbackBody } } } },
  responses: {
    ...unauthorized,
    202: json(Run, "the improvement run"),
    ...notFound,
    422: error("offline mode cannot read feedback"),
  },
});

export const contractDiffRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/versions/{version}/contract",
  operationId: "getContractDiff",
  summary: "How a version's HTTP contract differs from the version before it (routes, fields, constraints, defaults)",
  request: { params: z.object({ name: AppName, version: z.coerce.number().int().min(1) }) },
  responses: {
    ...unauthorized,
    200: json(ContractDiff, "the changes, each marked breaking or not; none for the first version"),
    404: error("no such app or version"),
  },
});

export const runScheduleRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/schedules/{schedule}/run",
  operationId: "runSchedule",
  summary: "Run a schedule now in every partition that holds data (or in one key); answers when all have run",
  request: {
    params: z.object({ name: AppName, schedule: z.string().min(1).max(40) }),
    query: z.strictObject({ key: PartitionKey.optional() }),
  },
  responses: {
    ...unauthorized,
    200: json(ScheduleRunResult, "the partitions it ran in"),
    404: error("no such app or schedule"),
  },
});

export const realtimeRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/realtime",
  operationId: "getAppRealtime",
  summary: "The live version's schedules (last run, errors) and channels (members connected now, messages)",
  request: { params: AppParams },
  responses: {
    ...unauthorized,
    200: json(AppRealtime, "schedules and channels"),
    ...notFound,
  },
});
