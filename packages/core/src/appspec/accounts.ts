import { parse } from "acorn";
import { z } from "zod";
import { sourceRegexProblem } from "./code-regex";
import { type AnyNode, importsIn } from "./imports";

/**
 * AppSpec v3 accounts, ownership and modules (docs/appspec.md, "v3 additions"): the parts of the
 * schema that are about end users of an app and about code shared between its actions. The field
 * shapes of `accounts.fields` come from schema.ts (AccountField); the rules across the spec live here.
 */

/** A module's name: what actions and modules import it as (`./<name>.js`). */
const ModuleName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "must match ^[a-z][a-z0-9-]{0,39}$ (lower-case letters, digits, dashes)");

/**
 * Shared code: an ES module actions and other modules import as `./<name>.js`. Like an action's,
 * its `code` may be left out for code generation to write from the description (with a model);
 * offline every module brings its code.
 */
export const Module = z.strictObject({
  name: ModuleName,
  description: z.string().max(2000).optional(),
  code: z.string().min(1).max(100_000).optional(),
});
export type Module = z.infer<typeof Module>;

/** Names an account's own members take: no account field may have them. */
const RESERVED_ACCOUNT_FIELDS = ["id", "email", "password", "currentPassword", "createdAt", "updatedAt"];

/** The accounts member of a spec, given the field schema (schema.ts, to keep one definition of fields). */
export function accountsSchema<F extends z.ZodType>(field: F) {
  return z.strictObject({
    signup: z.enum(["open", "closed"]).optional(),
    minPasswordLength: z.int().min(8).max(128).optional(),
    sessionDays: z.int().min(1).max(365).optional(),
    fields: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be an identifier (letters, digits, _)"), field)
      .refine((f) => Object.keys(f).length <= 32, "at most 32 fields")
      .optional(),
  });
}

interface IssueSink {
  addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

interface OwnedSpec {
  accounts?: { fields?: Record<string, unknown> } | undefined;
  entities: readonly {
    name: string;
    owner?: "user" | undefined;
    read?: "public" | undefined;
    fields: Record<string, { type: string; entity?: string }>;
  }[];
  actions?: readonly { name: string; path: string; code?: string | undefined }[] | undefined;
  modules?: readonly Module[] | undefined;
}

/**
 * Accounts and ownership across the spec: owned entities need accounts, `read` only on owned
 * entities, account fields off the reserved names, and no action under `/auth/` (the accounts'
 * routes live there).
 */
export function checkAccounts(spec: OwnedSpec, ctx: IssueSink): void {
  for (const name of Object.keys(spec.accounts?.fields ?? {})) {
    if (RESERVED_ACCOUNT_FIELDS.includes(name))
      ctx.addIssue({
        code: "custom",
        path: ["accounts", "fields", name],
        message: `field name is reserved for accounts (${RESERVED_ACCOUNT_FIELDS.join(", ")})`,
      });
  }
  spec.entities.forEach((entity, i) => {
    if (entity.owner === "user" && !spec.accounts)
      ctx.addIssue({
        code: "custom",
        path: ["entities", i, "owner"],
        message: 'an owned entity needs "accounts" in the spec (its owners are the app\'s users)',
      });
    if (entity.read !== undefined && entity.owner !== "user")
      ctx.addIssue({
        code: "custom",
        path: ["entities", i, "read"],
        message: 'read applies to owned entities only (add "owner": "user")',
      });
  });
  spec.actions?.forEach((action, i) => {
    if (action.path === "/auth" || action.path.startsWith("/auth/"))
      ctx.addIssue({
        code: "custom",
        path: ["actions", i, "path"],
        message: `${action.path} is reserved: the app's accounts live under /auth/`,
      });
  });
}

/** Every module specifier a piece of code imports or re-exports (static and dynamic), or null when it does not parse. */
function importsOf(code: string): string[] | null {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: "latest", sourceType: "module" }) as unknown as AnyNode;
  } catch {
    return null;
  }
  return importsIn(program).map((i) => i.specifier);
}

const MODULE_SPECIFIER = /^\.\/([a-z][a-z0-9-]{0,39})\.js$/;
/** The import shape the actions check (actions.ts) lets through; which modules exist is checked here. */
const ACTION_IMPORT = /^\.\/[A-Za-z0-9_-]+\.js$/;

/**
 * Modules: names do not repeat (nor take an action's name: both are files `actions/<name>.js`),
 * code parses, every import of an action or a module is `./<module>.js` of a module of this spec,
 * and no module imports itself through others. Issues name the modules.
 */
export function checkModules(spec: OwnedSpec, ctx: IssueSink): void {
  const modules = spec.modules ?? [];
  const names = new Map<string, number>();
  const actions = new Set((spec.actions ?? []).map((a) => a.name));
  modules.forEach((m, i) => {
    if (names.has(m.name)) ctx.addIssue({ code: "custom", path: ["modules", i, "name"], message: "repeats" });
    else names.set(m.name, i);
    if (actions.has(m.name))
      ctx.addIssue({
        code: "custom",
        path: ["modules", i, "name"],
        message: `module ${m.name} has the name of an action (both would be actions/${m.name}.js)`,
      });
  });
  const edges = new Map<string, string[]>();
  const checkImports = (code: string | undefined, path: (string | number)[], who: string): string[] => {
    if (code === undefined) return [];
    const specifiers = importsOf(code);
    if (specifiers === null) {
      if (path[0] === "modules")
        ctx.addIssue({ code: "custom", path, message: `${who}: code does not parse as an ES module` });
      return [];
    }
    const targets: string[] = [];
    for (const specifier of specifiers) {
      // Action code's other imports (packages, cloudflare:*, dynamic import()) are refused by the actions check.
      if (path[0] === "actions" && !ACTION_IMPORT.test(specifier)) continue;
      const match = MODULE_SPECIFIER.exec(specifier);
      if (!match || !names.has(match[1]!)) {
        const known = [...names.keys()].map((n) => `./${n}.js`).join(", ") || "none: the spec has no modules";
        ctx.addIssue({
          code: "custom",
          path,
          message: `${who} imports ${JSON.stringify(specifier.slice(0, 80))}: only the app's modules may be imported (${known})`,
        });
      } else targets.push(match[1]!);
    }
    return targets;
  };
  spec.actions?.forEach((a, i) => {
    checkImports(a.code, ["actions", i, "code"], `action ${a.name}`);
  });
  modules.forEach((m, i) => {
    edges.set(m.name, checkImports(m.code, ["modules", i, "code"], `module ${m.name}`));
    // Modules run on the sandbox's linear-time regex engine, as actions do (code-regex.ts).
    const regex = m.code === undefined ? null : sourceRegexProblem(m.code);
    if (regex) ctx.addIssue({ code: "custom", path: ["modules", i, "code"], message: `module ${m.name}: ${regex}` });
  });
  // Depth-first search for a cycle; each cycle is reported once, at its first module.
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, "open");
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (state.get(next) === "open") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...new Set(cycle)].sort().join(",");
        if (!reported.has(key)) {
          reported.add(key);
          ctx.addIssue({
            code: "custom",
            path: ["modules", names.get(next)!, "code"],
            message: `import cycle: ${cycle.join(" → ")}`,
          });
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of names.keys()) if (!state.has(name)) visit(name);
}

/** An app's user as every API shows it: `{ id, email, createdAt, ...fields }`, never a password or hash. */
export const AppUser = z.looseObject({ id: z.string(), email: z.string(), createdAt: z.string() });

/** `GET /v1/apps/{name}/users`: a page of users (and how many there are). */
export const AppUserList = z.object({
  items: z.array(AppUser),
  nextCursor: z.string().nullable(),
  total: z.int().optional(),
});

/** `POST /v1/apps/{name}/users`: as a signup's body; the app validates it as signup does. */
export const AppUserCreate = z.record(z.string(), z.unknown());

/** What the app's host answers for a management call on users (workers/deploy, accounts/). */
export type UsersAnswer =
  | { kind: "no_app" }
  | { kind: "needs_key" }
  | { kind: "answer"; status: number; body: unknown };

/** The shape of a session token the runtime issues (passwords.js newToken): a leak scan looks for it. */
const SESSION_TOKEN = /aus_[0-9a-f]{64}/g;
const PASSWORD_KEYS = new Set(["password", "currentPassword"]);

/** Text with every session token in it as `***` (reports, events: docs/appspec.md, Accounts). */
export function redactTokens(text: string): string {
  return text.replace(SESSION_TOKEN, "***");
}

/** A step body with its password values as `***`, at any depth. */
function redactBody(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactBody);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, PASSWORD_KEYS.has(k) && typeof v === "string" ? "***" : redactBody(v)]),
  );
}

/**
 * A spec as the API shows it: password values in its example steps read `***` (the spec as stored
 * keeps them, so its examples still play on staging).
 */
export function redactSpecPasswords<S extends { examples?: unknown[]; actions?: { examples?: unknown[] }[] }>(
  spec: S,
): S {
  const steps = (list: unknown[] | undefined) =>
    list?.map((step) =>
      step && typeof step === "object" && "body" in step
        ? { ...step, body: redactBody((step as { body: unknown }).body) }
        : step,
    );
  return {
    ...spec,
    ...(spec.examples ? { examples: steps(spec.examples) } : {}),
    ...(spec.actions
      ? { actions: spec.actions.map((a) => (a.examples ? { ...a, examples: steps(a.examples) } : a)) }
      : {}),
  };
}
