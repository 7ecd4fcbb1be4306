import type { Action, AppSpec } from "@aidevos/core";

/** An action's path with each `:param` filled in (`/s/:slug` → `/s/value`). */
export function actionPath(action: Pick<Action, "path">, value: string): string {
  return action.path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, value);
}

/**
 * Statuses of 500 and over that an action's examples show it answering on purpose (a 502 from a
 * proxy, say). In an app with `outbound` origins, 502, 503 and 504 are allowed too: the staging
 * copies these suites test never reach the network (their ctx.fetch answers 503, AppPlatform), so
 * an upstream's failure is what they see.
 */
export function declaredServerErrors(action: Action, spec?: Pick<AppSpec, "outbound">): Set<number> {
  const statuses = (action.examples ?? []).flatMap((s) => [s.status, ...(s.statusIn ?? [])]);
  const declared = new Set(statuses.filter((s): s is number => s !== undefined && s >= 500));
  if ((spec?.outbound ?? []).length > 0) for (const s of [502, 503, 504]) declared.add(s);
  return declared;
}

/** Codes the sandbox or the runtime answer for an action's code, not ones it chose (docs/appspec.md). */
const PLATFORM_ERROR_CODES = new Set(["internal_error", "cpu_limit_exceeded", "memory_limit_exceeded", "timeout"]);

/**
 * True when an answer is an error the action chose (`ctx.error(503, "not_configured", …)`): by the
 * contract that is the action's answer, whatever its status, and no check reports it.
 */
export function deliberateError(res: { body: any }): boolean {
  const code = res.body?.error?.code;
  return typeof code === "string" && !PLATFORM_ERROR_CODES.has(code);
}

/** True when an entity or counter route could answer this path too (actions shadow them, but share methods). */
export function sharesEntityRoute(spec: AppSpec, action: Action): boolean {
  const first = action.path.split("/").filter(Boolean)[0] ?? "";
  return first === "counters" || first.startsWith(":") || spec.entities.some((e) => e.plural === first);
}
