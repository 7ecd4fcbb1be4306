import { z } from "zod";

/** A whole number of at least `min`; a var left empty or unset means the default. */
const count = (fallback: number, min = 1) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : Number(v)) : v),
    z.number().int().min(min).default(fallback),
  );

/**
 * The quotas every app lives within (docs/security.md, "Quotas"): what one client, or one app's
 * code, can make the platform store or do. Each is a Worker var read through `setting`.
 */
export const QuotaSettings = {
  /** perKey partitions that hold data, per app; a new partition's first write over it is refused (507). */
  AIDEVOS_MAX_PARTITIONS: count(10_000),
  /** Bytes one partition may store; writes over it are refused (507 `quota_exceeded`). */
  AIDEVOS_MAX_PARTITION_BYTES: count(100 * 1024 * 1024),
  /** Bytes all partitions of one app may store together; writes over it are refused (507). */
  AIDEVOS_MAX_APP_BYTES: count(1024 * 1024 * 1024),
  /** Error groups an app's monitor keeps; the least recently seen go first. */
  AIDEVOS_MAX_ERROR_GROUPS: count(200),
  /** Feed entries an app's monitor keeps; the oldest go first. */
  AIDEVOS_MAX_FEED_ROWS: count(500),
  /** Distinct partition keys an app's usage counts per day (all routes); keys past it are not recorded. */
  AIDEVOS_MAX_USAGE_KEYS_PER_DAY: count(1000),
  /** Versions the Registry keeps per app (at least 2); older ones are pruned, never the live one or its rollback target. */
  AIDEVOS_VERSIONS_KEPT: count(20, 2),
  /**
   * Finished runs kept whole (events, artifacts, generated files, stage records); older ones are summarised:
   * id, status, stage, app, request and times stay, the rest is dropped.
   */
  AIDEVOS_RUNS_KEPT: count(500),
  /** Members one channel room (a channel of one partition) holds; the next is closed with 1008. */
  AIDEVOS_MAX_ROOM_MEMBERS: count(500),
  /** Frames a member may send a second; the one past it closes the member with 1008. */
  AIDEVOS_MAX_FRAMES_PER_SECOND: count(20),
};
