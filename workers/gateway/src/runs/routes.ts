import { CreateRunBody, ListQuery, Run, RunList, TestReport } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";
import { error, json, unauthorized } from "../openapi";

const errors = { 400: error("invalid_json or validation_failed") };
const RunParams = z.object({ id: z.string().max(128) });

export const createRunRoute = createRoute({
  method: "post",
  path: "/v1/runs",
  operationId: "createRun",
  summary: "Start a run: plan, generate, test and deploy an app",
  middleware: [jsonBody] as const,
  request: {
    headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
    body: { required: true, content: { "application/json": { schema: CreateRunBody } } },
  },
  responses: {
    ...unauthorized,
    202: json(Run, "the run, queued"),
    ...errors,
    409: error("offline, free text naming an existing app (`app_exists`): only a spec can change it"),
    413: error("body over 1 MiB"),
    422: error("Idempotency-Key reused with another body, or offline mode without a spec"),
  },
});

export const listRunsRoute = createRoute({
  method: "get",
  path: "/v1/runs",
  operationId: "listRuns",
  summary: "Runs, newest first",
  request: { query: ListQuery },
  responses: {
    ...unauthorized,
    200: json(RunList, "a page of runs"),
    ...errors,
  },
});

export const getRunRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}",
  operationId: "getRun",
  summary: "A run with its stages",
  request: { params: RunParams },
  responses: {
    ...unauthorized,
    200: json(Run, "the run"),
    404: error("no such run"),
    ...errors,
  },
});

export const cancelRunRoute = createRoute({
  method: "post",
  path: "/v1/runs/{id}/cancel",
  operationId: "cancelRun",
  summary: "Cancel a run that has not finished",
  request: { params: RunParams },
  responses: {
    ...unauthorized,
    200: json(Run, "the run"),
    404: error("no such run"),
    ...errors,
  },
});

export const runEventsRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}/events",
  operationId: "streamRunEvents",
  summary: "Server-Sent Events of the run's stage transitions and logs, from Last-Event-ID on",
  request: { params: RunParams },
  responses: {
    ...unauthorized,
    200: { content: { "text/event-stream": { schema: z.string() } }, description: "event stream" },
    404: error("no such run"),
  },
});

export const runTestsRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}/tests",
  operationId: "getRunTests",
  summary: "The test reports of the run's latest testing round",
  request: { params: RunParams },
  responses: {
    ...unauthorized,
    200: json(z.object({ round: z.int().nullable(), reports: z.array(TestReport) }), "reports"),
    404: error("no such run"),
  },
});

export const runFilesRoute = createRoute({
  method: "get",
  path: "/v1/runs/{id}/files",
  operationId: "getRunFiles",
  summary: "The generated files of the run's latest codegen round",
  request: { params: RunParams },
  responses: {
    ...unauthorized,
    200: json(
      z.object({
        round: z.int().nullable(),
        files: z.array(z.object({ path: z.string(), role: z.string(), content: z.string() })),
      }),
      "files",
    ),
    404: error("no such run"),
  },
});
