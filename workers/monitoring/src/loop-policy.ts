import { type SettingsSource, setting } from "@aidevos/core";

/** When production signals turn into automatic actions. All of it is configurable through vars. */
export interface LoopPolicy {
  /** 5xx share of a version's requests in the window that rolls it back. */
  errorRate: number;
  windowMs: number;
  /** Fewer requests than this in the window decide nothing. */
  minRequests: number;
  /** p95 latency (ms) above which a refine run is started, unless the spec sets its own budget. */
  p95Ms: number;
}

export function loopPolicy(env: SettingsSource): LoopPolicy {
  return {
    errorRate: setting(env, "AIDEVOS_ROLLBACK_ERROR_RATE"),
    windowMs: setting(env, "AIDEVOS_ROLLBACK_WINDOW_SECONDS") * 1000,
    minRequests: setting(env, "AIDEVOS_ROLLBACK_MIN_REQUESTS"),
    p95Ms: setting(env, "AIDEVOS_LATENCY_P95_MS"),
  };
}

export type Decision = { kind: "rollback"; rate: number } | { kind: "refine"; p95: number } | { kind: "none" };

/** A spiking new version is rolled back; a slow one gets a refine run. The first version has nothing to roll back to. */
export function decide(
  stats: { requests: number; errors: number; p95: number },
  version: number,
  policy: LoopPolicy,
  budgetP95Ms?: number,
): Decision {
  if (stats.requests < policy.minRequests) return { kind: "none" };
  const rate = stats.errors / stats.requests;
  if (rate >= policy.errorRate && version > 1) return { kind: "rollback", rate };
  const limit = budgetP95Ms ?? policy.p95Ms;
  if (stats.p95 > limit) return { kind: "refine", p95: stats.p95 };
  return { kind: "none" };
}
