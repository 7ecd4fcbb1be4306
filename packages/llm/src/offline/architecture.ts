import { type AppSpec, type Architecture, type CodingTask, entityOperations, type Route } from "@aidevos/core";

/** The architecture the AppSpec compiler realises, described before any code is written. */
export function describeArchitecture(spec: AppSpec): Architecture {
  // Actions are matched first, so they come first.
  const routes: Route[] = (spec.actions ?? []).map((a) => ({
    method: a.method,
    path: a.path,
    summary: `action ${a.name}${a.description ? `: ${a.description}` : ""}`,
  }));
  for (const e of spec.entities) {
    const ops = entityOperations(e);
    if (ops.includes("create")) routes.push({ method: "POST", path: `/${e.plural}`, summary: `create a ${e.name}` });
    if (ops.includes("list"))
      routes.push({ method: "GET", path: `/${e.plural}`, summary: `list ${e.plural}, oldest first, with filters` });
    if (ops.includes("get")) routes.push({ method: "GET", path: `/${e.plural}/{id}`, summary: `read a ${e.name}` });
    if (ops.includes("update"))
      routes.push({ method: "PATCH", path: `/${e.plural}/{id}`, summary: `change fields of a ${e.name}` });
    if (ops.includes("delete"))
      routes.push({ method: "DELETE", path: `/${e.plural}/{id}`, summary: `delete a ${e.name}` });
  }
  for (const c of spec.counters ?? []) {
    routes.push({ method: "GET", path: `/counters/${c.name}`, summary: `read counter ${c.name}` });
    routes.push({ method: "POST", path: `/counters/${c.name}/increment`, summary: `add to counter ${c.name}` });
  }
  const tables = spec.entities.map((e) => ({
    name: `e_${e.name}`,
    columns: ["id", "seq", "data", "created_at", "updated_at", "expires_at"],
    purpose: `${e.plural}${e.ttlSeconds ? `, expiring ${e.ttlSeconds}s after creation` : ""}`,
  }));
  if (spec.entities.some((e) => e.unique?.length))
    tables.push({ name: "unique_values", columns: ["entity", "field", "value", "id"], purpose: "unique fields" });
  if (spec.counters?.length) tables.push({ name: "counters", columns: ["name", "value"], purpose: "atomic counters" });
  if (spec.actions?.length)
    tables.push({ name: "_kv", columns: ["key", "value", "expires_at"], purpose: "the actions' ctx.kv: JSON values" });
  if (spec.rateLimit)
    tables.push({ name: "rate_windows", columns: ["bucket", "window_start", "count"], purpose: "rate limit windows" });
  return {
    durableObject: { className: "App", partition: spec.partition, instancePerKey: spec.partition === "perKey" },
    routes,
    tables,
    bindings: [],
    notes: [
      "records are stored as JSON so later versions can add fields; missing fields read as their defaults",
      spec.partition === "perKey"
        ? "one Durable Object per key: keys never see each other's data"
        : "one Durable Object holds the whole app",
    ],
  };
}

/**
 * The coding tasks of a spec (AppSpec v2 division of labour): the compiler writes the app's entity
 * routes, storage and unit tests in one step; a model writes each action's code, one task per action.
 */
export function planTasks(spec: AppSpec): CodingTask[] {
  return [
    {
      id: "compiled",
      file: "index.js",
      description: `the AppSpec compiler's modules: routes, storage and unit tests for ${spec.entities.length} entities`,
    },
    ...(spec.actions ?? []).map((a) => ({
      id: `action-${a.name}`,
      file: `actions/${a.name}.js`,
      description: `action ${a.name} (${a.method} ${a.path})${a.description ? `: ${a.description}` : ""}`,
    })),
  ];
}
