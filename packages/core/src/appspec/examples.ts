import { z } from "zod";

/** `{{var}}` names a step may save and later steps may use. */
const VarName = z.string().regex(/^\w{1,64}$/, "must be a name of letters, digits or _");
/**
 * A JSON value, typed two levels deep on purpose: a recursive type is too deep for the RPC types
 * of the Durable Objects that pass specs around, and `unknown` is not serializable to them.
 * Checked as `any`: specs arrive as parsed JSON, and z.json() breaks the OpenAPI document.
 */
type JsonInner = string | number | boolean | null | object;
type JsonValue = string | number | boolean | null | JsonInner[] | { [key: string]: JsonInner };
const JsonValue = z.any() as unknown as z.ZodType<JsonValue>;
const Status = z.int().min(100).max(599);
/** As PartitionKey in schema.ts (not imported: schema.ts imports this module). */
const StepKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must match ^[A-Za-z0-9_-]{1,64}$");

/**
 * One example step: an HTTP request relative to the app's base with its expectations, in the
 * format of the acceptance cases (docs/appspec.md, "Acceptance step format"). Only the steps that
 * talk to the app itself belong in a spec; the runner-only steps (api, redeploy, ws …) do not.
 */
export const ExampleStep = z
  .strictObject({
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).optional(),
    path: z.string().startsWith("/", "must start with /").max(2000).optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(2000)).optional(),
    body: JsonValue.optional(),
    raw: z.string().max(100_000).optional(),
    key: StepKey.optional(),
    status: Status.optional(),
    statusIn: z.array(Status).min(1).max(10).optional(),
    json: JsonValue.optional(),
    count: z.record(z.string().max(200), z.int().min(0)).optional(),
    header: z.record(z.string().max(64), z.string().max(2000)).optional(),
    text: z.union([z.string().max(2000), z.array(z.string().max(2000)).max(20)]).optional(),
    save: z.record(VarName, z.string().max(200)).optional(),
    repeat: z.int().min(1).max(100).optional(),
    statusBefore: Status.optional(),
    parallel: z.int().min(1).max(20).optional(),
    statusCount: z.record(z.string().regex(/^\d{3}$/), z.int().min(0)).optional(),
    sleep: z.number().min(0).max(5).optional(),
  })
  .superRefine((step, ctx) => {
    if (step.sleep === undefined && step.path === undefined)
      ctx.addIssue({ code: "custom", path: ["path"], message: "a step needs a path (or is a sleep)" });
    if (step.body !== undefined && step.raw !== undefined)
      ctx.addIssue({ code: "custom", path: ["raw"], message: "give body or raw, not both" });
    if (step.statusCount !== undefined && step.parallel === undefined)
      ctx.addIssue({ code: "custom", path: ["statusCount"], message: "statusCount needs parallel" });
  });
export type ExampleStep = z.infer<typeof ExampleStep>;

/** The examples of an app or of an action: played in order on staging before every deploy. */
export const Examples = z.array(ExampleStep).max(100);
