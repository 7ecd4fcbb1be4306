import { type AppSpec, entityOperations, routeOf } from "@aidevos/core";

/**
 * Text a client controls (field names, request paths, error messages an app built from input,
 * partition keys) reaches drafted feedback requests, the feed and the webhook only through here.
 * A draft is one click away from a model run, so it describes what happened in the platform's own
 * words — the spec's routes and fields, counts — and client text appears, if at all, cut short,
 * JSON-escaped (angle brackets too, so it cannot close a tag) and marked as quoted data.
 */

/** At most this many characters of one client-sent text are ever quoted. */
const QUOTE_MAX = 24;

/** A client-sent text as marked, escaped, length-capped data: `client text (quoted data): "…"`. */
export function quoted(text: string, max = QUOTE_MAX): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const escaped = JSON.stringify(cut).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return `client text (quoted data): ${escaped}`;
}

/** Every route the spec defines, folded as the gateway folds served paths (`routeOf`). */
export function specRoutes(spec: AppSpec): Set<string> {
  const routes = new Set<string>();
  for (const entity of spec.entities) {
    const ops = entityOperations(entity);
    const collection = `/${entity.plural}`;
    const one = `/${entity.plural}/:id`;
    if (ops.includes("create")) routes.add(routeOf("POST", collection));
    if (ops.includes("list")) routes.add(routeOf("GET", collection));
    if (ops.includes("get")) routes.add(routeOf("GET", one));
    if (ops.includes("update")) routes.add(routeOf("PATCH", one));
    if (ops.includes("delete")) routes.add(routeOf("DELETE", one));
  }
  for (const action of spec.actions ?? []) routes.add(routeOf(action.method, action.path));
  return routes;
}

/** A route as a draft may name it: the spec's own route, or a description of one the spec lacks. */
export function routeLabel(route: string, spec: AppSpec | null): string {
  if (spec && specRoutes(spec).has(route)) return route;
  return `a path outside the app's routes (${quoted(route)})`;
}

/** The field names the spec defines (and the record fields every entity has). */
function specFieldNames(spec: AppSpec): Set<string> {
  const names = new Set(["id", "createdAt", "updatedAt"]);
  for (const entity of spec.entities) for (const field of Object.keys(entity.fields)) names.add(field);
  return names;
}

/**
 * Splits the field paths 400 answers named into the spec's own fields (which a draft may name)
 * and the rest (client-chosen names: counted, sampled only as quoted data in evidence).
 */
export function splitFields(
  counts: [path: string, n: number][],
  spec: AppSpec | null,
): { known: [string, number][]; unknown: { names: number; requests: number; samples: string[] } } {
  const names = spec ? specFieldNames(spec) : new Set<string>();
  const known: [string, number][] = [];
  const unknown = { names: 0, requests: 0, samples: [] as string[] };
  for (const [path, n] of counts) {
    const head = path.split(/[.[]/)[0] ?? "";
    if (names.has(head) && /^[A-Za-z0-9_.[\]]{1,100}$/.test(path)) known.push([path, n]);
    else {
      unknown.names += 1;
      unknown.requests += n;
      if (unknown.samples.length < 3) unknown.samples.push(quoted(path));
    }
  }
  return { known, unknown };
}
