import { z } from "zod";
import { AppSpec } from "../appspec";
import type { ErrorDetail } from "../errors";

/** Where a version runs on Cloudflare, when deploys go through the Cloudflare API too. */
export const CloudflareVersion = z.object({
  script: z.string(),
  versionId: z.string(),
  migrationTag: z.string(),
  className: z.string(),
  percentage: z.int(),
});
export type CloudflareVersion = z.infer<typeof CloudflareVersion>;

export const AppVersion = z.object({
  version: z.int(),
  codeHash: z.string(),
  runId: z.string(),
  /** Every version runs locally in the sandbox; `cloudflare` is set when it was shipped there too. */
  cloudflare: CloudflareVersion.nullable(),
  createdAt: z.string(),
});
export type AppVersion = z.infer<typeof AppVersion>;

export const DeployAction = z.object({
  at: z.string(),
  action: z.enum(["create", "update", "rollback", "promote"]),
  version: z.int(),
  fromVersion: z.int().nullable(),
  runId: z.string().nullable(),
});
export type DeployAction = z.infer<typeof DeployAction>;

export const AppSummary = z.object({
  name: z.string(),
  partition: z.enum(["single", "perKey"]),
  liveVersion: z.int(),
  /** `canary` while a new Cloudflare version takes only part of the traffic. */
  status: z.enum(["live", "canary"]),
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AppSummary = z.infer<typeof AppSummary>;

/** What an app stores against its quotas (docs/security.md, "Quotas"), as its own host counts it. */
export const AppStorage = z.object({
  /** perKey: partitions that hold data (a key only read holds none); single: 1 once it holds data. */
  partitions: z.int(),
  maxPartitions: z.int(),
  bytes: z.int(),
  maxAppBytes: z.int(),
  maxPartitionBytes: z.int(),
});

export type AppStorage = z.infer<typeof AppStorage>;

export const AppDetail = AppSummary.extend({
  spec: AppSpec,
  versions: z.array(AppVersion),
  history: z.array(DeployAction),
  storage: AppStorage.optional(),
});
export type AppDetail = z.infer<typeof AppDetail>;

export const AppList = z.object({ items: z.array(AppSummary), nextCursor: z.string().nullable() });

/** A change of the live version that was applied: the API's answer to a rollback or promotion. */
export const AppliedChange = z.object({ ok: z.literal(true), version: z.int(), fromVersion: z.int() });
export type AppliedChange = z.infer<typeof AppliedChange>;

/**
 * What the app's control object and the Registry answer to a change of the live version: applied
 * (with what Cloudflare holds now) or refused with a reason. Defined once; the gateway maps a
 * refusal to its HTTP error and an applied change to AppliedChange.
 */
export type VersionChange =
  | (AppliedChange & { cloudflare: CloudflareVersion | null })
  | {
      ok: false;
      reason:
        | "no_app"
        | "no_version"
        | "already_live"
        | "nothing_to_promote"
        | "cloudflare_error"
        | "constraint_violation";
      message: string;
      /** constraint_violation: each stored value the target version's rules refuse, naming its record. */
      details?: ErrorDetail[];
    };

export const RollbackBody = z.strictObject({
  /** The version to return to; the one before the live version when omitted. */
  version: z.int().min(1).optional(),
  options: z
    .strictObject({
      /** Roll back even when live records break the target version's rules (they are served as stored). */
      force: z.boolean().optional(),
    })
    .optional(),
});

/** Where an app is served by the gateway: `/apps/{name}/` or, per key, `/apps/{name}/k/{key}/`. */
export function appUrl(name: string, partition: "single" | "perKey"): string {
  return partition === "perKey" ? `/apps/${name}/k/{key}/` : `/apps/${name}/`;
}
