import type { Action } from "../appspec/actions";
import { type AppSpec, type Entity, entityOperations } from "../appspec/schema";

/**
 * What an app's contract reads from its spec beyond the keys every spec has: `access` and
 * `channels` (AppSpec v2, added by other stages of the schema) are read defensively, so a spec
 * without them documents as a public app without channels.
 */
export interface ContractSpec extends AppSpec {
  access?: "public" | "key";
  channels?: { name: string; onMessage?: string }[];
}

type RouteKind =
  | "create"
  | "get"
  | "update"
  | "delete"
  | "list"
  | "increment"
  | "counterGet"
  | "counterIncrement"
  | "channel"
  | "action";

/** One HTTP route of an app, relative to its base, with its path in OpenAPI form (`/todos/{id}`). */
export interface ContractRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  kind: RouteKind;
  entity?: Entity;
  counter?: string;
  channel?: string;
  action?: Action;
}

/** `GET /todos/{id}` and `GET /todos/{slug}` are one route: parameters compare by position only. */
export function routeKey(route: Pick<ContractRoute, "method" | "path">): string {
  return `${route.method} ${route.path.replace(/\{[^}]*\}/g, "{}")}`;
}

/** An action path (`/carts/:id/total`) in OpenAPI form (`/carts/{id}/total`). */
function openApiPath(actionPath: string): string {
  return actionPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/**
 * Every route an app answers, in the order it matches them: actions first (they shadow an entity
 * route of the same method and shape), then entity routes per operation, counters and channels.
 */
export function contractRoutes(spec: ContractSpec): ContractRoute[] {
  const routes: ContractRoute[] = [];
  const taken = new Set<string>();
  const add = (route: ContractRoute) => {
    const key = routeKey(route);
    if (taken.has(key)) return;
    taken.add(key);
    routes.push(route);
  };
  for (const action of spec.actions ?? [])
    add({ method: action.method, path: openApiPath(action.path), kind: "action", action });
  for (const entity of spec.entities) {
    const ops = entityOperations(entity);
    const collection = `/${entity.plural}`;
    const item = `${collection}/{id}`;
    if (ops.includes("list")) add({ method: "GET", path: collection, kind: "list", entity });
    if (ops.includes("create")) add({ method: "POST", path: collection, kind: "create", entity });
    if (ops.includes("get")) add({ method: "GET", path: item, kind: "get", entity });
    if (ops.includes("update")) add({ method: "PATCH", path: item, kind: "update", entity });
    if (ops.includes("delete")) add({ method: "DELETE", path: item, kind: "delete", entity });
    if (ops.includes("update") && Object.values(entity.fields).some((f) => f.type === "integer" || f.type === "number"))
      add({ method: "POST", path: `${item}/increment`, kind: "increment", entity });
  }
  for (const counter of spec.counters ?? []) {
    add({ method: "GET", path: `/counters/${counter.name}`, kind: "counterGet", counter: counter.name });
    add({
      method: "POST",
      path: `/counters/${counter.name}/increment`,
      kind: "counterIncrement",
      counter: counter.name,
    });
  }
  for (const channel of spec.channels ?? [])
    add({ method: "GET", path: `/channels/${channel.name}`, kind: "channel", channel: channel.name });
  return routes;
}

/** An entity's schema name: its name with a capital (`lineItem` → `LineItem`); names stay distinct. */
export function schemaName(entity: Pick<Entity, "name">): string {
  return entity.name[0]!.toUpperCase() + entity.name.slice(1);
}
