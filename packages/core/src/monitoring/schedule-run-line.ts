import { z } from "zod";
import { Schedule } from "../appspec/realtime";
import { PartitionKey } from "../appspec/schema";

/** The mark our runtime puts on its one structured log line per schedule run. */
export const SCHEDULE_RUN_MARK = "aidevos.schedule-run";
/** Longer console lines are never ours: the gateway's tail handler skips them unparsed. */
export const MAX_SCHEDULE_RUN_LINE = 2048;

/**
 * One schedule run of an app's Worker on Cloudflare, logged as JSON by its runtime
 * (packages/compiler/runtime/realtime.js) and read by the gateway's tail handler, which records it in
 * the app's monitor as local runs are recorded. It carries no request data and no secret: the
 * schedule, the partition, the outcome and the error's code and message (as the app answered them).
 */
export const ScheduleRunLine = z.strictObject({
  aidevos: z.literal(SCHEDULE_RUN_MARK),
  schedule: Schedule.shape.name,
  key: PartitionKey.nullable(),
  /** When the run started and how long it took (ms since the epoch, ms). */
  at: z.number().int().nonnegative(),
  ms: z.number().nonnegative().max(86_400_000),
  ok: z.boolean(),
  error: z.strictObject({ code: z.string().max(60), message: z.string().max(300) }).optional(),
});
export type ScheduleRunLine = z.infer<typeof ScheduleRunLine>;
