import { z } from "zod";

/** Names of an app's secrets: what actions read as `ctx.secrets.<NAME>` (docs/appspec.md). */
export const SecretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must match ^[A-Z][A-Z0-9_]{0,63}$ (upper-case letters, digits, _)");

/** The largest secret value, in bytes of UTF-8. */
const MAX_SECRET_BYTES = 64 * 1024;

/**
 * An origin actions may fetch: `scheme://host[:port]` exactly as the URL parser writes it (so
 * `https://a.example:443` or a trailing slash are refused: the allow-list compares origins verbatim).
 */
const OutboundOrigin = z
  .string()
  .max(300)
  .refine((text) => originOf(text) === text, "must be an origin: scheme://host[:port], http or https, no path");

function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** The spec's members about who may call the app and what it may reach (spread into AppSpec). */
export const accessMembers = {
  access: z.enum(["public", "key"]).optional(),
  secrets: z.array(SecretName).max(32).optional(),
  outbound: z.array(OutboundOrigin).max(16).optional(),
};

/** Lists of names must not repeat: issues at each repeat's path. */
export function repeats(
  list: readonly string[] | undefined,
  key: string,
): { path: (string | number)[]; message: string }[] {
  const seen = new Set<string>();
  const problems: { path: (string | number)[]; message: string }[] = [];
  list?.forEach((name, i) => {
    if (seen.has(name)) problems.push({ path: [key, i], message: "repeats" });
    seen.add(name);
  });
  return problems;
}

/** `PUT /v1/apps/{name}/secrets/{NAME}`: the value, at most 64 KiB of UTF-8. */
export const SecretValueBody = z.strictObject({
  value: z
    .string()
    .refine((v) => new TextEncoder().encode(v).length <= MAX_SECRET_BYTES, "must be at most 64 KiB of UTF-8"),
});

const SecretStatus = z.object({
  name: SecretName,
  set: z.boolean(),
  updatedAt: z.string().nullable(),
});

export const SecretList = z.object({ items: z.array(SecretStatus) });

/** A new app key: the key itself appears in this answer only. */
export const AppKeyCreated = z.object({ id: z.string(), key: z.string() });

const AppKeyInfo = z.object({ id: z.string(), createdAt: z.string() });

export const AppKeyList = z.object({ items: z.array(AppKeyInfo) });

/** One origin an app's actions called, as monitoring counts it. */
export const OutboundStats = z.object({
  origin: z.string(),
  count: z.int(),
  errors: z.int(),
  p95Ms: z.number(),
});
export type OutboundStats = z.infer<typeof OutboundStats>;

export const OutboundList = z.object({ items: z.array(OutboundStats) });
