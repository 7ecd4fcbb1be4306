/**
 * `GET /tasks/{id}`: ids folded so requests group by route; counter names are routes of their own.
 * The gateway folds served paths with it, and the app monitor folds a spec's route patterns the
 * same way to tell which routes were never used.
 */
export function routeOf(method: string, path: string): string {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "counters" || parts.length < 2) return `${method} /${parts.join("/")}`;
  return `${method} /${[parts[0], "{id}", ...parts.slice(2)].join("/")}`;
}
