import { z } from "zod";
import { accessMembers, repeats } from "./access";
import { accountsSchema, checkAccounts, checkModules, Module } from "./accounts";
import { Action, checkActions } from "./actions";
import { ARRAY_MAX_ITEMS_DEFAULT, checkDataEntity, dataFields, JSON_MAX_BYTES_DEFAULT } from "./data-fields";
import { Examples } from "./examples";
import { isObjectName, OBJECT_NAME_MESSAGE } from "./names";
import { Channel, checkRealtime, Schedule } from "./realtime";
import { compileSafePattern, MAX_PATTERN_LENGTH, patternProblem } from "./safe-pattern";

/** App names are URL segments and Durable Object names: lower-case, 2–39 characters. */
export const AppName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,38}$/, "must match ^[a-z][a-z0-9-]{1,38}$ (lower-case letters, digits, dashes)");

/** Keys of a perKey app, as they appear in `/apps/{name}/k/{key}`. */
export const PartitionKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be an identifier (letters, digits, _)")
  .refine((name) => !isObjectName(name), OBJECT_NAME_MESSAGE);
const UrlSegment = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, "must be a lower-case URL segment")
  .refine((name) => !isObjectName(name), OBJECT_NAME_MESSAGE);

/** Names a record already carries, or that the list route reads as query parameters. */
const RESERVED_FIELD_NAMES = ["id", "createdAt", "updatedAt", "ownerId", "limit", "cursor", "sort", "q"] as const;
/** Plurals whose paths the runtime answers itself (counters, channels, v3 accounts and files). */
const RESERVED_PLURALS = ["counters", "channels", "auth", "files"];

const common = {
  required: z.boolean().optional(),
  description: z.string().max(500).optional(),
};

const StringField = z.strictObject({
  type: z.literal("string"),
  ...common,
  default: z.string().optional(),
  minLength: z.int().min(0).optional(),
  maxLength: z.int().min(0).max(1_000_000).optional(),
  pattern: z.string().max(MAX_PATTERN_LENGTH).optional(),
});
const IntegerField = z.strictObject({
  type: z.literal("integer"),
  ...common,
  default: z.int().optional(),
  min: z.int().optional(),
  max: z.int().optional(),
});
const NumberField = z.strictObject({
  type: z.literal("number"),
  ...common,
  default: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
const BooleanField = z.strictObject({
  type: z.literal("boolean"),
  ...common,
  default: z.boolean().optional(),
});
const EnumField = z.strictObject({
  type: z.literal("enum"),
  ...common,
  values: z.array(z.string().min(1).max(100)).min(1).max(100),
  default: z.string().optional(),
});
const DatetimeField = z.strictObject({
  type: z.literal("datetime"),
  ...common,
  default: z.iso.datetime({ offset: true }).optional(),
});

/** The id of a record of `entity` in the same partition; deleting that record cascades or is restricted. */
const RefField = z.strictObject({
  type: z.literal("ref"),
  ...common,
  entity: Identifier,
  onDelete: z.enum(["cascade", "restrict"]).optional(),
  default: z.string().min(1).max(200).optional(),
});

/** What an array's items may be: a scalar field definition with its constraints (data-fields.ts). */
const ItemField = z.discriminatedUnion("type", [
  StringField,
  IntegerField,
  NumberField,
  BooleanField,
  EnumField,
  DatetimeField,
]);

export const Field = z.discriminatedUnion("type", [
  StringField,
  IntegerField,
  NumberField,
  BooleanField,
  EnumField,
  DatetimeField,
  RefField,
  ...dataFields(ItemField, common),
]);
export type Field = z.infer<typeof Field>;

/** v3 account fields (accounts.ts): the scalar field types, each of which may be `unique`. */
const unique = { unique: z.boolean().optional() };
const AccountField = z.discriminatedUnion("type", [
  StringField.extend(unique),
  IntegerField.extend(unique),
  NumberField.extend(unique),
  BooleanField.extend(unique),
  EnumField.extend(unique),
  DatetimeField.extend(unique),
]);
const Accounts = accountsSchema(AccountField);

export const Operation = z.enum(["create", "get", "update", "delete", "list"]);
export type Operation = z.infer<typeof Operation>;

export const Entity = z.strictObject({
  name: Identifier,
  plural: UrlSegment,
  description: z.string().max(500).optional(),
  fields: z.record(Identifier, Field).refine((f) => Object.keys(f).length <= 64, "at most 64 fields"),
  /** Field names unique within a partition, or arrays of field names unique together. */
  unique: z
    .array(z.union([Identifier, z.array(Identifier).min(1).max(8)]))
    .max(16)
    .optional(),
  /** Fields a list may be sorted by (`sort=-price,qty`). */
  sortable: z.array(Identifier).max(16).optional(),
  /** String fields `?q=` searches (full text, FTS5 in the app's SQLite). */
  search: z.array(Identifier).min(1).max(16).optional(),
  ttlSeconds: z.int().min(1).max(31_536_000).optional(),
  operations: z.array(Operation).optional(),
  /** v3: records belong to the signed-in user who created them (a read-only `ownerId`). */
  owner: z.literal("user").optional(),
  /** v3, owned entities: anyone may get and list; writes stay the owner's. */
  read: z.literal("public").optional(),
});
export type Entity = z.infer<typeof Entity>;

const Counter = z.strictObject({ name: Identifier });

const RateLimit = z.strictObject({
  requests: z.int().min(1).max(1_000_000),
  windowSeconds: z.int().min(1).max(86_400),
  keyHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional(),
});

/** The latency the app promises; the testing stage holds it to this under a bounded load. */
const PerformanceBudget = z.strictObject({
  p95Ms: z.int().min(1).max(60_000).optional(),
  requests: z.int().min(10).max(2_000).optional(),
  concurrency: z.int().min(1).max(32).optional(),
});

function fieldProblems(field: Field): string[] {
  const problems: string[] = [];
  switch (field.type) {
    case "string": {
      if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength)
        problems.push("minLength is greater than maxLength");
      const d = field.default;
      if (d !== undefined) {
        if (field.minLength !== undefined && d.length < field.minLength)
          problems.push("default is shorter than minLength");
        if (field.maxLength !== undefined && d.length > field.maxLength)
          problems.push("default is longer than maxLength");
        // Linear-time matching only (safe-pattern.ts); an unsafe pattern is reported on its own path.
        if (
          field.pattern !== undefined &&
          problems.length === 0 &&
          patternProblem(field.pattern) === null &&
          !compileSafePattern(field.pattern).test(d)
        )
          problems.push("default does not match pattern");
      }
      break;
    }
    case "integer":
    case "number":
      if (field.min !== undefined && field.max !== undefined && field.min > field.max)
        problems.push("min is greater than max");
      if (field.default !== undefined) {
        if (field.min !== undefined && field.default < field.min) problems.push("default is below min");
        if (field.max !== undefined && field.default > field.max) problems.push("default is above max");
      }
      break;
    case "enum":
      if (new Set(field.values).size !== field.values.length) problems.push("values repeat");
      if (field.default !== undefined && !field.values.includes(field.default))
        problems.push("default is not one of values");
      break;
    case "array":
      for (const problem of fieldProblems(field.items as Field)) problems.push(`items: ${problem}`);
      if (field.default !== undefined && field.default.length > (field.maxItems ?? ARRAY_MAX_ITEMS_DEFAULT))
        problems.push("default has more than maxItems items");
      break;
    case "json":
      if (
        field.default !== undefined &&
        new TextEncoder().encode(JSON.stringify(field.default)).length > (field.maxBytes ?? JSON_MAX_BYTES_DEFAULT)
      )
        problems.push("default is larger than maxBytes");
      break;
  }
  return problems;
}

/**
 * AppSpec v1: the structured description of a generated app (docs/appspec.md).
 * The one schema used by the API, the stages and the model's structured output.
 */
export const AppSpec = z
  .strictObject({
    name: AppName,
    description: z.string().max(2000).optional(),
    partition: z.enum(["single", "perKey"]).default("single"),
    entities: z.array(Entity).max(32).default([]),
    counters: z.array(Counter).max(64).optional(),
    rateLimit: RateLimit.optional(),
    performance: PerformanceBudget.optional(),
    actions: z.array(Action).max(64).optional(),
    examples: Examples.optional(),
    ...accessMembers,
    schedules: z.array(Schedule).max(16).optional(),
    channels: z.array(Channel).max(16).optional(),
    accounts: Accounts.optional(),
    modules: z.array(Module).max(32).optional(),
  })
  .superRefine((spec, ctx) => {
    const plurals = new Set<string>();
    const names = new Set<string>();
    spec.entities.forEach((entity, i) => {
      if (plurals.has(entity.plural) || RESERVED_PLURALS.includes(entity.plural))
        ctx.addIssue({ code: "custom", path: ["entities", i, "plural"], message: "plural repeats or is reserved" });
      // `GET {base}/docs` is the app's docs page, served by the gateway (RESERVED_APP_PATHS).
      if (entity.plural === "docs")
        ctx.addIssue({
          code: "custom",
          path: ["entities", i, "plural"],
          message: "plural is reserved: /docs is the app's docs page",
        });
      if (names.has(entity.name))
        ctx.addIssue({ code: "custom", path: ["entities", i, "name"], message: "entity name repeats" });
      plurals.add(entity.plural);
      names.add(entity.name);
      for (const [fieldName, field] of Object.entries(entity.fields)) {
        if ((RESERVED_FIELD_NAMES as readonly string[]).includes(fieldName))
          ctx.addIssue({
            code: "custom",
            path: ["entities", i, "fields", fieldName],
            message: `field name is reserved (${RESERVED_FIELD_NAMES.join(", ")})`,
          });
        for (const message of fieldProblems(field))
          ctx.addIssue({ code: "custom", path: ["entities", i, "fields", fieldName], message });
        const unsafe = field.type === "string" && field.pattern !== undefined ? patternProblem(field.pattern) : null;
        if (unsafe)
          ctx.addIssue({ code: "custom", path: ["entities", i, "fields", fieldName, "pattern"], message: unsafe });
      }
      for (const [fieldName, field] of Object.entries(entity.fields)) {
        if (field.type === "ref" && !spec.entities.some((e) => e.name === field.entity))
          ctx.addIssue({
            code: "custom",
            path: ["entities", i, "fields", fieldName, "entity"],
            message: `unknown entity "${field.entity}" (refs name an entity by its name)`,
          });
      }
      entity.unique?.forEach((u, j) => {
        const names = Array.isArray(u) ? u : [u];
        names.forEach((name, k) => {
          if (!Object.hasOwn(entity.fields, name))
            ctx.addIssue({
              code: "custom",
              path: Array.isArray(u) ? ["entities", i, "unique", j, k] : ["entities", i, "unique", j],
              message: `unknown field "${name}"`,
            });
        });
        if (new Set(names).size !== names.length)
          ctx.addIssue({ code: "custom", path: ["entities", i, "unique", j], message: "names a field twice" });
      });
      checkDataEntity(entity, i, ctx);
      entity.sortable?.forEach((name, j) => {
        if (!Object.hasOwn(entity.fields, name))
          ctx.addIssue({ code: "custom", path: ["entities", i, "sortable", j], message: `unknown field "${name}"` });
        else if (entity.sortable!.indexOf(name) !== j)
          ctx.addIssue({ code: "custom", path: ["entities", i, "sortable", j], message: "repeats" });
      });
    });
    const counters = new Set<string>();
    spec.counters?.forEach((c, i) => {
      if (counters.has(c.name)) ctx.addIssue({ code: "custom", path: ["counters", i, "name"], message: "repeats" });
      counters.add(c.name);
    });
    if (spec.actions) checkActions(spec.actions, ctx);
    for (const issue of [...repeats(spec.secrets, "secrets"), ...repeats(spec.outbound, "outbound")])
      ctx.addIssue({ code: "custom", ...issue });
    checkRealtime(spec, ctx);
    for (const [fieldName, field] of Object.entries(spec.accounts?.fields ?? {})) {
      for (const message of fieldProblems(field))
        ctx.addIssue({ code: "custom", path: ["accounts", "fields", fieldName], message });
      const unsafe = field.type === "string" && field.pattern !== undefined ? patternProblem(field.pattern) : null;
      if (unsafe) ctx.addIssue({ code: "custom", path: ["accounts", "fields", fieldName, "pattern"], message: unsafe });
    }
    checkAccounts(spec, ctx);
    checkModules(spec, ctx);
  });
export type AppSpec = z.infer<typeof AppSpec>;
export type AppSpecInput = z.input<typeof AppSpec>;

/** Operations an entity exposes: all of them unless the spec lists some. */
export function entityOperations(entity: Entity): Operation[] {
  return entity.operations ?? Operation.options;
}
