import type { Action, AppSpec, Entity, Operation } from "@aidevos/core";

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

/** True when an entity or counter route could answer this path too (actions shadow them, but share methods). */
export function sharesEntityRoute(spec: AppSpec, action: Action): boolean {
  const first = action.path.split("/").filter(Boolean)[0] ?? "";
  return first === "counters" || first.startsWith(":") || spec.entities.some((e) => e.plural === first);
}

const ROUTE_OF: Record<Operation, [method: string, item: boolean]> = {
  create: ["POST", false],
  list: ["GET", false],
  get: ["GET", true],
  update: ["PATCH", true],
  delete: ["DELETE", true],
};

/** Entity operations whose HTTP route an action answers instead (actions are matched first). */
export function shadowedOperations(spec: AppSpec, entity: Entity): Set<Operation> {
  const shadowed = new Set<Operation>();
  for (const [op, [method, item]] of Object.entries(ROUTE_OF) as [Operation, [string, boolean]][]) {
    const parts = item ? [entity.plural, "some-id"] : [entity.plural];
    const hit = (spec.actions ?? []).some((a) => {
      const segments = a.path.split("/").filter(Boolean);
      return (
        a.method === method &&
        segments.length === parts.length &&
        segments.every((s, i) => s.startsWith(":") || s === parts[i])
      );
    });
    if (hit) shadowed.add(op);
  }
  return shadowed;
}
