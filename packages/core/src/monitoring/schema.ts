import { z } from "zod";

/** One request the gateway served to a deployed app, as monitoring records it. */
export const RequestEvent = z.object({
  at: z.number(),
  version: z.int(),
  method: z.string(),
  /** The route with ids folded (`GET /tasks/{id}`), so records group by route. */
  route: z.string(),
  status: z.int(),
  ms: z.number(),
  /** The partition key or rate-limit key, for unique-key counts; never a credential. */
  key: z.string().nullable(),
  /** For 5xx answers and thrown errors. */
  error: z.object({ message: z.string(), frame: z.string() }).optional(),
  /** For 400 validation_failed answers: the field paths the app named (at most 10). */
  invalid: z.array(z.string().max(100)).max(10).optional(),
  /** A redacted copy of the request, kept for error groups. */
  sample: z.object({ method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()) }).optional(),
});
export type RequestEvent = z.infer<typeof RequestEvent>;

/** Requests by status class. */
const StatusMix = z.object({ "2xx": z.int(), "3xx": z.int(), "4xx": z.int(), "5xx": z.int() });

const LatencySummary = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });

const MetricsBucket = z.object({
  start: z.string(),
  version: z.int(),
  requests: z.int(),
  status: StatusMix,
  latencyMs: LatencySummary,
});
export const AppMetrics = z.object({
  app: z.string(),
  granularity: z.enum(["minute", "hour"]),
  buckets: z.array(MetricsBucket),
  totals: z.object({ requests: z.int(), errors: z.int(), latencyMs: LatencySummary }),
});
export type AppMetrics = z.infer<typeof AppMetrics>;

export const ErrorGroup = z.object({
  fingerprint: z.string(),
  message: z.string(),
  frame: z.string(),
  version: z.int(),
  count: z.int(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  sample: z.unknown(),
});
export type ErrorGroup = z.infer<typeof ErrorGroup>;

export const UsageDay = z.object({
  day: z.string(),
  route: z.string(),
  requests: z.int(),
  uniqueKeys: z.int(),
  status: StatusMix,
});
export type UsageDay = z.infer<typeof UsageDay>;

export const FeedEntry = z.object({
  at: z.string(),
  kind: z.enum([
    "error_group",
    "error_spike",
    "rollback",
    "fix_run",
    "latency_breach",
    "refine_run",
    "auto_run_held",
    "feedback",
    "insight",
  ]),
  message: z.string(),
  data: z.unknown().optional(),
});
export type FeedEntry = z.infer<typeof FeedEntry>;

export const FeedbackBody = z.strictObject({
  app: z.string().regex(/^[a-z][a-z0-9-]{1,38}$/),
  message: z.string().trim().min(1).max(10_000),
});

/** `POST /v1/apps/{name}/schedules/{schedule}/run`: how many partitions ran the schedule. */
export const ScheduleRunResult = z.object({ partitions: z.int() });

/** Schedules (last run, errors) and channels (live members, connections, messages) of an app. */
export const AppRealtime = z.object({
  schedules: z.array(
    z.object({
      name: z.string(),
      everySeconds: z.int(),
      action: z.string(),
      lastRunAt: z.string().nullable(),
      lastError: z.string().nullable(),
      runs: z.int(),
      errors: z.int(),
    }),
  ),
  channels: z.array(
    z.object({
      name: z.string(),
      onMessage: z.string().nullable(),
      members: z.int(),
      connections: z.int(),
      messages: z.int(),
    }),
  ),
});
export type AppRealtime = z.infer<typeof AppRealtime>;
