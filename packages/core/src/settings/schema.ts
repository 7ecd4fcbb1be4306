import { z } from "zod";
import { QuotaSettings } from "./quotas";

/** A var left empty in wrangler.toml (or unset) means "the default", never 0 or "". */
const unset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const text = z.preprocess(unset, z.string().trim().optional());
/** Keys and tokens are taken as they are: whitespace in a secret is part of it. */
const secret = z.preprocess(unset, z.string().optional());
const number = (fallback: number, check: z.ZodNumber = z.number()) =>
  z.preprocess((v) => (typeof v === "string" ? (v.trim() === "" ? undefined : Number(v)) : v), check.default(fallback));

/**
 * Every Worker var and secret AIDevOS reads, with its default and what a valid value is. Read
 * through `setting` only: a value that does not fit is replaced by the default, with a warning.
 */
export const Settings = z.object({
  /** "offline", "anthropic" or "openai-compatible"; unset chooses by the keys configured. */
  AIDEVOS_PROVIDER: z.preprocess(
    (v) => (typeof v === "string" ? v.trim() || undefined : v),
    z.enum(["offline", "anthropic", "openai-compatible"]).optional(),
  ),
  AIDEVOS_MAX_REFINE_ROUNDS: number(3, z.number().int().min(0).max(20)),
  AIDEVOS_MODEL: text,
  AIDEVOS_REVIEW_MODEL: text,
  AIDEVOS_STRONG_MODEL: text,
  ANTHROPIC_BASE_URL: text,
  ANTHROPIC_API_KEY: secret,
  OPENAI_BASE_URL: text,
  OPENAI_API_KEY: secret,
  CLOUDFLARE_ACCOUNT_ID: text,
  CLOUDFLARE_API_TOKEN: secret,
  CLOUDFLARE_DISPATCH_NAMESPACE: text,
  CLOUDFLARE_API_BASE_URL: z.preprocess(unset, z.string().trim().default("https://api.cloudflare.com/client/v4")),
  /**
   * This Worker's script name on Cloudflare (wrangler.toml `name`): apps shipped there name it as their
   * tail consumer, so its tail handler records their schedule runs in their monitors.
   */
  AIDEVOS_SCRIPT_NAME: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
      .default("aidevos"),
  ),
  /**
   * Standalone app Workers are named `<prefix><app>` on the account, so that an app can never take
   * the name of the gateway or of another Worker (a dispatch namespace holds apps only: no prefix there).
   */
  AIDEVOS_APP_SCRIPT_PREFIX: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,23}$/)
      .default("aidevos-app-"),
  ),
  AIDEVOS_ROLLBACK_ERROR_RATE: number(0.5, z.number().min(0).max(1)),
  /**
   * How long a deployed app must stay live and healthy (no rollback, under 1% of its real requests
   * 5xx) before the knowledge base learns its spec's shape as a pattern (docs/architecture.md, learning).
   */
  AIDEVOS_PATTERN_PROBATION_HOURS: number(24, z.number().min(0).max(720)),
  /** Real requests (served to people, not tests or probes) an app must have had by then to be learned. */
  AIDEVOS_PATTERN_MIN_REQUESTS: number(50, z.number().int().min(1).max(1_000_000)),
  AIDEVOS_ROLLBACK_WINDOW_SECONDS: number(300, z.number().positive()),
  AIDEVOS_ROLLBACK_MIN_REQUESTS: number(20, z.number().int().min(0)),
  AIDEVOS_LATENCY_P95_MS: number(1000, z.number().positive()),
  /** Wall-clock time an app request (an action, a route, a schedule or channel message) may take: then 504 `timeout`. */
  AIDEVOS_ACTION_TIMEOUT_MS: number(30_000, z.number().int().min(100).max(600_000)),
  /**
   * How long a file upload may go without bringing a block (256 KiB) or its end: then 408
   * `request_timeout`, and nothing is stored. A stalled client answers this rather than the deadline's 504.
   */
  AIDEVOS_UPLOAD_IDLE_MS: number(10_000, z.number().int().min(100).max(600_000)),
  /** Wall-clock time one attempt of a pipeline stage may take: then the run fails with `stage_timeout`. */
  AIDEVOS_STAGE_TIMEOUT_MS: number(900_000, z.number().int().min(1_000).max(3_600_000)),
  /** Tokens a run may spend when its request sets no `options.tokenBudget` (docs/security.md, model spend). */
  AIDEVOS_RUN_TOKEN_BUDGET: number(2_000_000, z.number().int().min(1_000).max(50_000_000)),
  /** Model calls one run may make at most, whatever its token budget. */
  AIDEVOS_RUN_MAX_MODEL_CALLS: number(300, z.number().int().min(1).max(10_000)),
  /** Tokens an automatic run (refine, fix) may spend. */
  AIDEVOS_AUTO_RUN_TOKEN_BUDGET: number(500_000, z.number().int().min(1_000).max(50_000_000)),
  /** After an automatic run starts for an app, no other starts for it for this long, whatever its version. */
  AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS: number(
    3_600,
    z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400),
  ),
  /** Runs that may work at once; more wait in a queue (status `queued`) and start as slots free. */
  AIDEVOS_MAX_CONCURRENT_RUNS: number(8, z.number().int().min(1).max(1_000)),
  /** Model spend (USD) of all runs per UTC day; past it new runs are refused and automatic runs held back. */
  AIDEVOS_DAILY_SPEND_USD: number(50, z.number().min(0).max(1_000_000)),
  AIDEVOS_ALERT_WEBHOOK_URL: text,
  /** "1" only for `pnpm bench`. */
  AIDEVOS_BENCH: z.preprocess((v) => v === "1" || v === true, z.boolean()),
  AIDEVOS_API_TOKEN: secret,
  /**
   * On Cloudflare, every app is also served on `https://{name}.{APPS_DOMAIN}` (a wildcard route and
   * DNS record the operator sets up); unset: apps on the gateway's origin only (and `{name}.localhost`).
   */
  APPS_DOMAIN: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/)
      .optional(),
  ),
  /** The root of the keys that encrypt apps' secret values at rest (AppControlDO); unset: a generated key per app. */
  AIDEVOS_SECRETS_KEY: secret,
  ...QuotaSettings,
});
export type Settings = z.infer<typeof Settings>;
export type SettingName = keyof Settings;

/** What a setting is read from: the Worker's env, or any object with some of the vars. */
export type SettingsSource = { readonly [K in SettingName]?: unknown };

/**
 * One setting, parsed and validated, with its default when unset, empty or invalid. Read on use
 * (not cached), so a changed env — a test's, or a redeploy's — is seen at once.
 */
export function setting<K extends SettingName>(env: SettingsSource, name: K): Settings[K] {
  const schema = Settings.shape[name];
  const parsed = schema.safeParse(env[name]);
  if (parsed.success) return parsed.data as Settings[K];
  console.warn(`${name} is not valid (${parsed.error.issues[0]?.message ?? "invalid"}); using the default`);
  return schema.parse(undefined) as Settings[K];
}

type QuotaName = keyof typeof QuotaSettings;

/** Every quota (quotas.ts) as it stands now, by setting name: what `GET /v1/limits` shows. */
export function quotaValues(env: SettingsSource): Record<QuotaName, number> {
  const names = Object.keys(QuotaSettings) as QuotaName[];
  return Object.fromEntries(names.map((name) => [name, setting(env, name)])) as Record<QuotaName, number>;
}
