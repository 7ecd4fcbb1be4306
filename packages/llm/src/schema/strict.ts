/**
 * JSON Schemas that providers' strict structured-output modes accept, made from zod's JSON Schema,
 * and the way back from a strict answer to what the zod contract expects.
 *
 * Strict modes (OpenAI `response_format.json_schema.strict`, Anthropic `tools[].strict`) compile the
 * schema into a grammar and accept only a subset of JSON Schema:
 * - every object has `additionalProperties: false`, so maps (`z.record`, i.e. `additionalProperties:
 *   {schema}`) cannot be expressed: they travel as arrays of `{ key, value }` and are turned back
 *   into objects before validation;
 * - OpenAI also wants every property in `required`: an optional property becomes "its type or null",
 *   and a null the contract does not allow is read back as absent (so zod applies its default);
 * - length, range, pattern, format and count constraints are refused (Anthropic) or only partly
 *   supported (OpenAI): they move into the description, where the model still reads them, and zod
 *   enforces them on the answer, which is sent back for repair when it breaks one.
 * Only the keywords below survive; `oneOf` becomes `anyOf` and `const` a one-value `enum`.
 */

type Node = Record<string, any>;

export interface StrictOptions {
  /** OpenAI: every property listed in `required`, optional ones nullable. */
  allRequired: boolean;
}

/** Constraints moved into the description, by keyword. */
const HINTED = [
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "default",
] as const;

const isSchema = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** A record/map: an object whose values are described by a schema rather than by named properties. */
function isRecord(node: Node): boolean {
  return isSchema(node.additionalProperties) && !node.properties;
}

function hints(node: Node): string | undefined {
  const parts = HINTED.filter((k) => node[k] !== undefined).map((k) => `${k} ${JSON.stringify(node[k])}`);
  if (isSchema(node.propertyNames) && node.propertyNames.pattern)
    parts.push(`keys match ${node.propertyNames.pattern}`);
  const text = [node.description, parts.length ? `(${parts.join("; ")})` : undefined].filter(Boolean).join(" ");
  return text || undefined;
}

/** The strict form of one schema node. */
function strictNode(node: Node, options: StrictOptions): Node {
  if (!isSchema(node)) return node;
  if (node.$ref) return { $ref: node.$ref };
  const description = hints(node);
  const out: Node = {};
  const union = node.anyOf ?? node.oneOf;
  if (Array.isArray(union)) {
    out.anyOf = union.map((branch: Node) => strictNode(branch, options));
  } else if (isRecord(node)) {
    out.type = "array";
    out.items = {
      type: "object",
      properties: { key: { type: "string" }, value: strictNode(node.additionalProperties, options) },
      required: ["key", "value"],
      additionalProperties: false,
    };
    return {
      ...out,
      description: `${description ? `${description} ` : ""}A map, as a list of { key, value } entries.`,
    };
  } else {
    if (node.type !== undefined) out.type = node.type;
    if (node.const !== undefined) out.enum = [node.const];
    if (Array.isArray(node.enum)) out.enum = node.enum;
    if (isSchema(node.items)) out.items = strictNode(node.items, options);
    if (node.type === "object" || node.properties) {
      out.type = "object";
      const properties: Node = {};
      const required = new Set<string>(node.required ?? []);
      for (const [name, prop] of Object.entries<Node>(node.properties ?? {})) {
        const strict = strictNode(prop, options);
        properties[name] = options.allRequired && !required.has(name) ? nullable(strict) : strict;
      }
      out.properties = properties;
      out.required = options.allRequired ? Object.keys(properties) : [...required];
      out.additionalProperties = false;
    }
    if (out.type === undefined && out.enum === undefined && !out.anyOf) {
      // "Anything" (`{}`) has no strict form; a string the model fills with JSON text is the nearest.
      out.type = "string";
    }
  }
  for (const defs of ["definitions", "$defs"] as const) {
    if (isSchema(node[defs]))
      out[defs] = Object.fromEntries(Object.entries<Node>(node[defs]).map(([k, v]) => [k, strictNode(v, options)]));
  }
  if (description) out.description = description;
  return out;
}

function nullable(node: Node): Node {
  if (Array.isArray(node.anyOf)) {
    return node.anyOf.some((b: Node) => b.type === "null")
      ? node
      : { ...node, anyOf: [...node.anyOf, { type: "null" }] };
  }
  const { description, ...rest } = node;
  return { anyOf: [rest, { type: "null" }], ...(description ? { description } : {}) };
}

/** The strict form of a whole schema (its root must be an object: answers are wrapped as `{ answer }`). */
export function strictSchema(schema: Node, options: StrictOptions): Node {
  const { $schema: _, ...rest } = schema;
  return strictNode(rest, options);
}

function allowsNull(node: Node, root: Node): boolean {
  const n = resolve(node, root);
  if (n.type === "null" || (Array.isArray(n.type) && n.type.includes("null"))) return true;
  if (Array.isArray(n.enum) && n.enum.includes(null)) return true;
  if (n.const === null) return true;
  const union = n.anyOf ?? n.oneOf;
  return Array.isArray(union) && union.some((b: Node) => allowsNull(b, root));
}

function resolve(node: Node, root: Node): Node {
  if (!isSchema(node) || typeof node.$ref !== "string") return node;
  const path = node.$ref.replace(/^#\/?/, "").split("/").filter(Boolean);
  let at: any = root;
  for (const part of path) at = at?.[part];
  return isSchema(at) ? at : {};
}

function typeMatches(value: unknown, node: Node): boolean {
  const types: string[] = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (node.const !== undefined) return value === node.const;
  if (Array.isArray(node.enum)) return node.enum.includes(value);
  if (types.length === 0) return true;
  const actual =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : typeof value;
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

/** Which branch of a union a value was written for: the first whose type and fixed values fit. */
function branchFor(value: unknown, branches: Node[], root: Node): Node | undefined {
  return branches.find((raw) => {
    const b = resolve(raw, root);
    if (isSchema(value) && (b.type === "object" || b.properties)) {
      return Object.entries<Node>(b.properties ?? {}).every(([k, p]) => {
        const fixed = resolve(p, root);
        return fixed.const === undefined && !Array.isArray(fixed.enum) ? true : typeMatches(value[k], fixed);
      });
    }
    if (isRecord(b)) return Array.isArray(value) || isSchema(value);
    return typeMatches(value, b);
  });
}

/**
 * A strict answer read back into the shape of the original schema: `{ key, value }` lists become
 * objects again, and nulls the original does not allow become absent keys.
 */
export function fromStrict(value: unknown, schema: Node, root: Node = schema): unknown {
  const node = resolve(schema, root);
  const union = node.anyOf ?? node.oneOf;
  if (Array.isArray(union)) {
    const branch = branchFor(value, union, root);
    return branch ? fromStrict(value, branch, root) : value;
  }
  if (isRecord(node)) {
    const entries = Array.isArray(value)
      ? value.filter(isSchema).map((e) => [String(e.key), e.value] as const)
      : isSchema(value)
        ? Object.entries(value)
        : null;
    if (!entries) return value;
    return Object.fromEntries(entries.map(([k, v]) => [k, fromStrict(v, node.additionalProperties, root)]));
  }
  if (Array.isArray(value) && isSchema(node.items)) return value.map((v) => fromStrict(v, node.items, root));
  if (isSchema(value) && isSchema(node.properties)) {
    const required = new Set<string>(node.required ?? []);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const prop = node.properties[k];
      if (!prop) {
        out[k] = v;
        continue;
      }
      if (v === null && !required.has(k) && !allowsNull(prop, root)) continue;
      out[k] = fromStrict(v, prop, root);
    }
    return out;
  }
  return value;
}
