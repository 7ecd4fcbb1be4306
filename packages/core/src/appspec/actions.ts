import { parse } from "acorn";
import { z } from "zod";
import { codeRegexProblem } from "./code-regex";
import { Examples } from "./examples";
import { type AnyNode, importsIn } from "./imports";
import { isObjectName, OBJECT_NAME_MESSAGE } from "./names";

/**
 * The header by which an app's host tells the app its partition key (`ctx.key` of an action); the
 * host sets it on every request to a perKey partition and strips it from all others.
 */
export const PARTITION_KEY_HEADER = "x-aidevos-partition-key";

const ActionName = z
  .string()
  .regex(/^[a-z][A-Za-z0-9]{0,39}$/, "must match ^[a-z][A-Za-z0-9]{0,39}$ (a camelCase name)")
  .refine((name) => !isObjectName(name), OBJECT_NAME_MESSAGE);
const ActionMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);
type ActionMethod = z.infer<typeof ActionMethod>;

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]{1,64}$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** Why an action path is not `/` or `/seg/:param/...` (at most 10 segments), or null when it is. */
function pathProblem(path: string): string | null {
  if (path === "/") return null;
  const segments = path.split("/").slice(1);
  if (segments.length > 10) return "has more than 10 segments";
  // `/{plural}/{id}/files/{field}` is a file route (AppSpec v3 "Files"), answered by the platform with
  // streamed bodies up to 10 MiB: an action there would shadow it or take a body the 1 MiB limit skips.
  if (segments.length === 4 && segments[2] === "files")
    return `${path} is shaped like a file route (/{plural}/{id}/files/{field}), which the platform answers`;
  const params = new Set<string>();
  for (const segment of segments) {
    if (PARAM_SEGMENT.test(segment)) {
      if (params.has(segment)) return `repeats the parameter ${segment}`;
      params.add(segment);
    } else if (segment === "." || segment === "..") {
      return `segment "${segment}" would be resolved away by URLs`;
    } else if (!LITERAL_SEGMENT.test(segment)) {
      return `segment "${segment.slice(0, 70)}" is neither a literal (letters, digits, . _ ~ -) nor :param`;
    }
  }
  return null;
}

const ActionPath = z
  .string()
  .max(700)
  .regex(/^\//, "must start with /")
  .superRefine((path, ctx) => {
    const problem = pathProblem(path);
    if (problem) ctx.addIssue({ code: "custom", message: `path ${problem}` });
  });

/**
 * A custom route with code (docs/appspec.md, "actions"). Matched before the entity routes; its
 * `code` is an ES module whose default export is `async (request, ctx)`. Offline the code is
 * required (the gateway checks that, as only it knows the provider); with a model, code
 * generation writes it.
 */
export const Action = z.strictObject({
  name: ActionName,
  method: ActionMethod,
  path: ActionPath,
  description: z.string().max(2000).optional(),
  code: z.string().min(1).max(100_000).optional(),
  examples: Examples.optional(),
});
export type Action = z.infer<typeof Action>;

/**
 * The paths the gateway answers itself under every app's base, before the app sees a request
 * (the app's OpenAPI document and its docs page): no action path and no entity plural may take them.
 */
const RESERVED_APP_PATHS = ["/openapi.json", "/docs"] as const;

/** `GET /s/:slug` and `GET /s/:id` are the same route: params are compared by position only. */
export function routeShape(action: Pick<Action, "method" | "path">): string {
  const segments = action.path.split("/").filter(Boolean);
  return `${action.method} /${segments.map((s) => (s.startsWith(":") ? ":" : s)).join("/")}`;
}

/** Why action code is not an ES module with a default export whose regexes run in linear time, or null. */
function actionCodeProblem(code: string): string | null {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true }) as unknown as AnyNode;
  } catch (err) {
    return `does not parse as an ES module: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300);
  }
  const exportsDefault = (program.body as AnyNode[]).some(
    (node) =>
      node.type === "ExportDefaultDeclaration" ||
      (node.type === "ExportNamedDeclaration" &&
        (node.specifiers as AnyNode[]).some((s) => (s.exported?.name ?? s.exported?.value) === "default")),
  );
  if (!exportsDefault) return "has no default export (write `export default async (request, ctx) => { … }`)";
  return importProblem(program) ?? codeRegexProblem(program);
}

/**
 * Why action code imports what it may not, or null. Action code imports nothing but the app's own
 * modules (`./<name>.js`, which the modules check holds to the spec's modules): no `cloudflare:*`
 * (`import { env } from "cloudflare:workers"` would hand it the loaded Worker's env), no `node:*`,
 * no bare or URL specifiers, no `../`, and no dynamic `import()`, whose specifier is known only when it runs.
 */
function importProblem(program: AnyNode): string | null {
  const imports = importsIn(program);
  const dynamic = imports.some((i) => i.dynamic);
  const found = imports.filter((i) => !i.dynamic).map((i) => i.specifier);
  if (dynamic)
    return "uses import(): action code imports only the app's own modules, statically (`import … from './<module>.js'`)";
  const refused = found.find((specifier) => !/^\.\/[A-Za-z0-9_-]+\.js$/.test(specifier));
  if (refused === undefined) return null;
  return `imports ${JSON.stringify(refused.slice(0, 80))}: action code imports only the app's own modules (./<module>.js), never cloudflare:*, node:*, packages or URLs`;
}

interface IssueSink {
  addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

/** Cross-action rules of a spec: names and routes do not repeat, code parses. Paths are spec-relative. */
export function checkActions(actions: readonly Action[], ctx: IssueSink): void {
  const names = new Map<string, number>();
  const shapes = new Map<string, number>();
  actions.forEach((action, i) => {
    const name = names.get(action.name);
    if (name !== undefined)
      ctx.addIssue({ code: "custom", path: ["actions", i, "name"], message: `repeats the name of actions.${name}` });
    else names.set(action.name, i);
    if (pathProblem(action.path) === null) {
      const shape = routeShape(action);
      const other = shapes.get(shape);
      if (other !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["actions", i, "path"],
          message: `${shape} collides with actions.${other} (${actions[other]!.name})`,
        });
      else shapes.set(shape, i);
    }
    if ((RESERVED_APP_PATHS as readonly string[]).includes(action.path))
      ctx.addIssue({
        code: "custom",
        path: ["actions", i, "path"],
        message: `${action.path} is reserved: the gateway serves the app's contract there`,
      });
    if (action.code !== undefined) {
      const problem = actionCodeProblem(action.code);
      if (problem)
        ctx.addIssue({
          code: "custom",
          path: ["actions", i, "code"],
          message: `action ${action.name}: code ${problem}`,
        });
    }
  });
}
