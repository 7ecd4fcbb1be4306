import { z } from "zod";
import type { Entity } from "./schema";

/** AppSpec v3 "Data" and "Files": json, array and file fields, and what entities may do with them. */

export const JSON_MAX_BYTES_DEFAULT = 65_536;
export const ARRAY_MAX_ITEMS_DEFAULT = 100;
const FILE_MAX_BYTES = 10 * 1024 * 1024;

/** `type/subtype` or `type/*`, lower-case as media types compare (parameters are never part of it). */
const MediaRange = z
  .string()
  .max(127)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,62})$/, "must be type/subtype or type/*");

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * The three v3 field schemas, built over the scalar item schema and the members every field has
 * (schema.ts passes them: this module must not import values from schema.ts, which imports it).
 */
export function dataFields<I extends z.ZodType, C extends z.ZodRawShape>(item: I, common: C) {
  const JsonField = z.strictObject({
    type: z.literal("json"),
    ...common,
    // A scalar, or a flat array or object of scalars: z.json() is too deep a type for the RPC types built on AppSpec.
    default: z.union([Scalar, z.array(Scalar), z.record(z.string(), Scalar)]).optional(),
    /** UTF-8 bytes of the value's compact JSON. */
    maxBytes: z.int().min(2).max(1_000_000).optional(),
  });
  const ArrayField = z.strictObject({
    type: z.literal("array"),
    ...common,
    items: item,
    maxItems: z.int().min(1).max(1000).optional(),
    default: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
  });
  const FileField = z.strictObject({
    type: z.literal("file"),
    ...common,
    maxBytes: z.int().min(1).max(FILE_MAX_BYTES).optional(),
    contentTypes: z.array(MediaRange).min(1).max(32).optional(),
    /** A file has no default but none. */
    default: z.null().optional(),
  });
  return [JsonField, ArrayField, FileField] as const;
}

/** The entity-level rules of the v3 data types: what may be sorted, unique, searched. */
export function checkDataEntity(entity: Entity, i: number, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path: ["entities", i, ...path], message });
  const typeOf = (name: string) => (Object.hasOwn(entity.fields, name) ? entity.fields[name]!.type : undefined);
  const structured = (name: string) => ["json", "array", "file"].includes(typeOf(name) ?? "");
  entity.sortable?.forEach((name, j) => {
    if (structured(name)) issue(["sortable", j], `${typeOf(name)} fields cannot be sorted`);
  });
  entity.unique?.forEach((u, j) => {
    for (const name of Array.isArray(u) ? u : [u])
      if (structured(name)) issue(["unique", j], `${typeOf(name)} fields cannot be unique`);
  });
  entity.search?.forEach((name, j) => {
    if (typeOf(name) !== "string") issue(["search", j], `search names string fields ("${name}" is not one)`);
    else if (entity.search!.indexOf(name) !== j) issue(["search", j], "repeats");
  });
}
