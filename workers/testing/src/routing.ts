import type { Action, AppSpec, Entity, Operation } from "@aidevos/core";
import { entityOperations } from "@aidevos/core";

/**
 * Where the app's routing sends a request (docs/appspec.md, "What gates a deploy": a platform check
 * only sends requests that reach the route it means to test). It mirrors the compiled router
 * (packages/compiler/runtime app.js and actions.js): an action whose path and method match is taken
 * first, in spec order, a `:param` matching any segment; then counters; then entity routes, which
 * answer only the operations the spec offers.
 */
export type Destination =
  | { to: "action"; action: Action }
  | { to: "entity"; entity: Entity; op: Operation | "increment" }
  | { to: "counter" }
  /** Answered by the router itself (404 or 405): no code of the app runs. */
  | { to: "none" };

function segmentsOf(path: string): string[] | null {
  const pathname = path.split("?")[0] ?? "";
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

function actionMatches(action: Action, parts: readonly string[]): boolean {
  const segments = action.path.split("/").filter(Boolean);
  return segments.length === parts.length && segments.every((s, i) => s.startsWith(":") || s === parts[i]);
}

/** The action the app runs for `method path`, if any (the first that matches, as the router does). */
function actionFor(spec: AppSpec, method: string, path: string): Action | null {
  const parts = segmentsOf(path);
  if (!parts) return null;
  return (spec.actions ?? []).find((a) => a.method === method && actionMatches(a, parts)) ?? null;
}

const ENTITY_ROUTES: Record<string, Operation | "increment"> = {
  "POST 1": "create",
  "GET 1": "list",
  "GET 2": "get",
  "PATCH 2": "update",
  "DELETE 2": "delete",
  "POST 3": "increment",
};

/** Where `method path` goes in this app. */
export function destinationOf(spec: AppSpec, method: string, path: string): Destination {
  const parts = segmentsOf(path);
  if (!parts) return { to: "none" };
  const action = actionFor(spec, method, path);
  if (action) return { to: "action", action };
  if (parts[0] === "counters") return parts.length >= 2 ? { to: "counter" } : { to: "none" };
  const entity = spec.entities.find((e) => e.plural === parts[0]);
  if (!entity || parts.length > 3 || (parts.length === 3 && parts[2] !== "increment")) return { to: "none" };
  const op = ENTITY_ROUTES[`${method} ${parts.length}`];
  if (!op) return { to: "none" };
  const offered = entityOperations(entity);
  const gate: Operation = op === "increment" ? "update" : op;
  return offered.includes(gate) ? { to: "entity", entity, op } : { to: "none" };
}

/** True when `method path` reaches the entity's route (no action takes it, the operation is offered). */
export function reachesEntity(spec: AppSpec, entity: Entity, method: string, path: string): boolean {
  const d = destinationOf(spec, method, path);
  return d.to === "entity" && d.entity.name === entity.name;
}

/** True when `method path` reaches this action. */
export function reachesAction(spec: AppSpec, action: Action, method: string, path: string): boolean {
  const d = destinationOf(spec, method, path);
  return d.to === "action" && d.action.name === action.name;
}
