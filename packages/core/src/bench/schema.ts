import { z } from "zod";
import { AppName } from "../appspec";
import { GeneratedFile } from "../artifacts";

/**
 * `POST /__bench/registry/seed`: records `count` apps named `{prefix}-{n}` (n from `from`), each with a
 * compiled bundle. `kind` "mixed" makes every fourth app perKey; "declarative" apps are all single and
 * without actions; "actions" apps are single, each with an action of its own (so code of its own).
 */
export const RegistrySeed = z.strictObject({
  prefix: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/, "must match ^[a-z][a-z0-9-]{0,20}$"),
  from: z.int().min(0).max(999_999),
  count: z.int().min(1).max(1000),
  kind: z.enum(["mixed", "declarative", "actions"]).default("mixed"),
});
export type RegistrySeed = z.infer<typeof RegistrySeed>;

/**
 * `POST /__bench/touch`: requests `path` of each app through the real `/apps/:name/*` handler (host,
 * facet, monitor), inside the Worker, so that a benchmark can keep a thousand apps live (workerd
 * evicts an object 10 s after its last request) without a thousand HTTP round trips.
 */
export const LiveTouch = z.strictObject({
  apps: z.array(AppName).min(1).max(1000),
  path: z
    .string()
    .max(200)
    .regex(/^\/[A-Za-z0-9_\-/?=&.]*$/, "must be a path of the app, like /tasks?limit=1")
    .default("/tasks?limit=1"),
  /** "proxy": the real `/apps/:name/*` handler; "bare": only the app's host (no monitor), as /__bench/bare. */
  via: z.enum(["proxy", "bare"]).default("proxy"),
});
export type LiveTouch = z.infer<typeof LiveTouch>;

/** `POST /__bench/unit`: a bundle's files, whose unit tests are run cold (as the stage runs them) and rerun warm. */
export const UnitRerun = z.strictObject({ files: z.array(GeneratedFile).min(1).max(64) });
export type UnitRerun = z.infer<typeof UnitRerun>;

/** `POST /__bench/monitoring/seed`: records `requests` synthetic requests of `app`, spread evenly over [fromMs, toMs). */
export const MonitoringSeed = z
  .strictObject({
    app: AppName,
    requests: z.int().min(1).max(100_000),
    fromMs: z.int().min(0),
    toMs: z.int().min(0),
    /** Distinct partition keys the requests come from. */
    keys: z.int().min(0).max(100_000).default(1000),
    seed: z.int().default(1),
  })
  .refine((s) => s.toMs > s.fromMs, { path: ["toMs"], message: "must be after fromMs" });
export type MonitoringSeed = z.infer<typeof MonitoringSeed>;

/** `GET /__bench/storage?apps=a,b`: SQLite sizes of the Registry and of the named apps' monitors. */
export const StorageSizes = z.object({
  registryBytes: z.int(),
  monitorBytes: z.record(z.string(), z.int()),
});
export type StorageSizes = z.infer<typeof StorageSizes>;

/**
 * `POST /__bench/serve`: `count` requests to one app through the real `/apps/:name/*` handler, inside
 * the Worker, `concurrency` at a time: seeding partitions and records without thousands of HTTP
 * round trips. `{i}` in the path and in the body's string values becomes the request's number (from 0).
 */
export const ServeMany = z.strictObject({
  app: AppName,
  method: z.enum(["GET", "POST"]),
  path: z
    .string()
    .max(200)
    .regex(/^\/[A-Za-z0-9_\-/?=&.{}]*$/, "must be a path of the app, like /k/p-{i}/tasks"),
  body: z.record(z.string(), z.union([z.string().max(200), z.number()])).optional(),
  count: z.int().min(1).max(5000),
  concurrency: z.int().min(1).max(16).default(8),
});
export type ServeMany = z.infer<typeof ServeMany>;
