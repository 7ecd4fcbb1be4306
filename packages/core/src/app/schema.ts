import { z } from "zod";
import { AppSpec } from "../appspec";

export const AppVersion = z.object({
  version: z.int(),
  codeHash: z.string(),
  runId: z.string(),
  target: z.enum(["local"]),
  createdAt: z.string(),
});
export type AppVersion = z.infer<typeof AppVersion>;

export const DeployAction = z.object({
  at: z.string(),
  action: z.enum(["create", "update", "rollback"]),
  version: z.int(),
  fromVersion: z.int().nullable(),
  runId: z.string().nullable(),
});
export type DeployAction = z.infer<typeof DeployAction>;

export const AppSummary = z.object({
  name: z.string(),
  partition: z.enum(["single", "perKey"]),
  liveVersion: z.int(),
  status: z.enum(["live"]),
  url: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AppSummary = z.infer<typeof AppSummary>;

export const AppDetail = AppSummary.extend({
  spec: AppSpec,
  versions: z.array(AppVersion),
  history: z.array(DeployAction),
});
export type AppDetail = z.infer<typeof AppDetail>;

export const AppList = z.object({ items: z.array(AppSummary), nextCursor: z.string().nullable() });

/** Where an app is served by the gateway: `/apps/{name}/` or, per key, `/apps/{name}/k/{key}/`. */
export function appUrl(name: string, partition: "single" | "perKey"): string {
  return partition === "perKey" ? `/apps/${name}/k/{key}/` : `/apps/${name}/`;
}
