import { z } from "zod";
import type { Entity, Field } from "../appspec/schema";
import { accountsDiff } from "./accounts";
import { compareDataField, compareSearch } from "./data-diff";
import { type ContractSpec, contractRoutes, routeKey } from "./routes";

/**
 * One difference between two versions of an app's contract. `breaking` when a client of the old
 * version can fail against the new one: a removed route or field, a new required field, a
 * tightened constraint, a changed type.
 */
export const ContractChange = z.object({
  change: z.enum(["added", "removed", "changed", "tightened", "loosened"]),
  /** What changed: `route`, `field`, `type`, `required`, `constraint`, `default`, `unique`, `sort`, `app`, `accounts`, `owner`, `search`. */
  subject: z.enum([
    "route",
    "field",
    "type",
    "required",
    "constraint",
    "default",
    "unique",
    "sort",
    "app",
    "accounts",
    "owner",
    "search",
  ]),
  /** Where: `GET /todos/{id}`, `todos.title`, `todos.title.maxLength`, `access`. */
  at: z.string(),
  message: z.string(),
  breaking: z.boolean(),
});
export type ContractChange = z.infer<typeof ContractChange>;

/** A version's contract against the one before it. */
export const ContractDiff = z.object({
  version: z.int(),
  fromVersion: z.int().nullable(),
  changes: z.array(ContractChange),
  breaking: z.boolean(),
});
export type ContractDiff = z.infer<typeof ContractDiff>;

type Sink = (change: Omit<ContractChange, "message"> & { message?: string }) => void;

const show = (v: unknown) => JSON.stringify(v);

/** Bounds where a bigger value lets in more (`max`) or less (`min`). */
const UPPER = ["max", "maxLength"] as const;
const LOWER = ["min", "minLength"] as const;

function compareField(at: string, before: Field, after: Field, add: Sink): void {
  if (before.type !== after.type || (before.type === "ref" && after.type === "ref" && before.entity !== after.entity)) {
    const what = (f: Field) => (f.type === "ref" ? `ref to ${f.entity}` : f.type);
    add({ change: "changed", subject: "type", at, message: `${what(before)} → ${what(after)}`, breaking: true });
    return;
  }
  // Made required with a default: a client that omits it gets the default (SQL's NOT NULL DEFAULT).
  if (!before.required && after.required)
    add({
      change: "tightened",
      subject: "required",
      at,
      message: after.default === undefined ? "now required" : "now required, with a default",
      breaking: after.default === undefined,
    });
  if (before.required && !after.required)
    add({ change: "loosened", subject: "required", at, message: "now optional", breaking: false });
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const bound of [...UPPER, ...LOWER]) {
    const was = b[bound] as number | undefined;
    const now = a[bound] as number | undefined;
    if (was === now) continue;
    const upper = (UPPER as readonly string[]).includes(bound);
    // A bound added, or moved inward, lets in fewer values.
    const tighter = was === undefined || (now !== undefined && (upper ? now < was : now > was));
    add({
      change: tighter ? "tightened" : "loosened",
      subject: "constraint",
      at: `${at}.${bound}`,
      message: `${bound} ${was ?? "none"} → ${now ?? "none"}`,
      breaking: tighter,
    });
  }
  if (b.pattern !== a.pattern)
    add({
      change: a.pattern === undefined ? "loosened" : "tightened",
      subject: "constraint",
      at: `${at}.pattern`,
      message: `pattern ${show(b.pattern ?? null)} → ${show(a.pattern ?? null)}`,
      breaking: a.pattern !== undefined,
    });
  if (before.type === "enum" && after.type === "enum") {
    const gone = before.values.filter((v) => !after.values.includes(v));
    const come = after.values.filter((v) => !before.values.includes(v));
    if (gone.length)
      add({
        change: "tightened",
        subject: "constraint",
        at: `${at}.values`,
        message: `values removed: ${gone.join(", ")}`,
        breaking: true,
      });
    if (come.length)
      add({
        change: "loosened",
        subject: "constraint",
        at: `${at}.values`,
        message: `values added: ${come.join(", ")}`,
        breaking: false,
      });
  }
  if (
    before.type === "ref" &&
    after.type === "ref" &&
    (before.onDelete ?? "restrict") !== (after.onDelete ?? "restrict")
  ) {
    const restrict = (after.onDelete ?? "restrict") === "restrict";
    add({
      change: restrict ? "tightened" : "loosened",
      subject: "constraint",
      at: `${at}.onDelete`,
      message: `onDelete ${before.onDelete ?? "restrict"} → ${after.onDelete ?? "restrict"}`,
      breaking: restrict,
    });
  }
  compareDataField(at, before, after, add, compareField);
  if (show(b.default) !== show(a.default))
    add({
      change: "changed",
      subject: "default",
      at: `${at}.default`,
      message: `default ${show(b.default ?? null)} → ${show(a.default ?? null)}`,
      breaking: false,
    });
}

const uniqueKeys = (entity: Entity) =>
  new Set((entity.unique ?? []).map((u) => (Array.isArray(u) ? [...u].sort().join("+") : u)));

function compareEntity(before: Entity, after: Entity, add: Sink): void {
  const at = after.plural;
  for (const name of Object.keys(before.fields))
    if (!Object.hasOwn(after.fields, name))
      add({
        change: "removed",
        subject: "field",
        at: `${at}.${name}`,
        message: `field ${name} removed`,
        breaking: true,
      });
  for (const [name, field] of Object.entries(after.fields)) {
    const old = Object.hasOwn(before.fields, name) ? before.fields[name] : undefined;
    if (!old) {
      add({
        change: "added",
        subject: "field",
        at: `${at}.${name}`,
        message: `field ${name} (${field.type}${field.required ? ", required" : ", optional"}${field.default !== undefined ? ", with a default" : ""}) added`,
        // Old clients never send it: a new field must be optional or have a default.
        breaking: field.required === true && field.default === undefined,
      });
    } else compareField(`${at}.${name}`, old, field, add);
  }
  const wasUnique = uniqueKeys(before);
  const isUnique = uniqueKeys(after);
  for (const u of isUnique)
    if (!wasUnique.has(u))
      add({ change: "tightened", subject: "unique", at: `${at}.unique`, message: `${u} now unique`, breaking: true });
  for (const u of wasUnique)
    if (!isUnique.has(u))
      add({
        change: "loosened",
        subject: "unique",
        at: `${at}.unique`,
        message: `${u} no longer unique`,
        breaking: false,
      });
  for (const s of before.sortable ?? [])
    if (!(after.sortable ?? []).includes(s))
      add({
        change: "removed",
        subject: "sort",
        at: `${at}.sortable`,
        message: `sorting by ${s} removed`,
        breaking: true,
      });
  for (const s of after.sortable ?? [])
    if (!(before.sortable ?? []).includes(s))
      add({
        change: "added",
        subject: "sort",
        at: `${at}.sortable`,
        message: `sorting by ${s} added`,
        breaking: false,
      });
  compareSearch(before, after, add);
  if (before.ttlSeconds !== after.ttlSeconds)
    add({
      change: "changed",
      subject: "constraint",
      at: `${at}.ttlSeconds`,
      message: `ttlSeconds ${before.ttlSeconds ?? "none"} → ${after.ttlSeconds ?? "none"}`,
      breaking: false,
    });
}

/**
 * What changed in an app's contract from `before` (the live spec) to `after` (the version about to
 * deploy): routes, fields, constraints, defaults. Pure; the testing stage gates on `breaking`.
 */
export function contractDiff(before: ContractSpec, after: ContractSpec): ContractChange[] {
  const changes: ContractChange[] = [];
  const add: Sink = (c) => changes.push({ ...c, message: `${c.at}: ${c.message ?? c.change}` });
  if (before.partition !== after.partition)
    add({
      change: "changed",
      subject: "app",
      at: "partition",
      message: `partition ${before.partition} → ${after.partition} (every URL moves)`,
      breaking: true,
    });
  const access = (s: ContractSpec) => s.access ?? "public";
  if (access(before) !== access(after))
    add({
      change: access(after) === "key" ? "tightened" : "loosened",
      subject: "app",
      at: "access",
      message: `access ${access(before)} → ${access(after)}`,
      breaking: access(after) === "key",
    });
  const rate = (s: ContractSpec) => (s.rateLimit ? s.rateLimit.requests / s.rateLimit.windowSeconds : Infinity);
  if (show(before.rateLimit) !== show(after.rateLimit))
    add({
      change: rate(after) < rate(before) ? "tightened" : rate(after) > rate(before) ? "loosened" : "changed",
      subject: "constraint",
      at: "rateLimit",
      message: `rateLimit ${show(before.rateLimit ?? null)} → ${show(after.rateLimit ?? null)}`,
      // Clients already handle 429; a tighter limit is listed, not refused.
      breaking: false,
    });
  const oldRoutes = new Map(contractRoutes(before).map((r) => [routeKey(r), r]));
  const newRoutes = new Map(contractRoutes(after).map((r) => [routeKey(r), r]));
  for (const [key, route] of oldRoutes)
    if (!newRoutes.has(key))
      add({
        change: "removed",
        subject: "route",
        at: `${route.method} ${route.path}`,
        message: "route removed",
        breaking: true,
      });
  for (const [key, route] of newRoutes)
    if (!oldRoutes.has(key))
      add({
        change: "added",
        subject: "route",
        at: `${route.method} ${route.path}`,
        message: "route added",
        breaking: false,
      });
  for (const entity of after.entities) {
    const old = before.entities.find((e) => e.plural === entity.plural);
    if (old) compareEntity(old, entity, add);
  }
  for (const change of accountsDiff(before, after)) add(change);
  return changes;
}
