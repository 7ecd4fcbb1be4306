/**
 * The schema rules the real APIs enforce in strict structured-output mode, so the loopback fakes
 * refuse (400) what the real APIs would refuse, with a message shaped like theirs.
 *
 * OpenAI (`response_format.json_schema.strict: true`, from its Structured Outputs docs): the root is
 * an object and not `anyOf`; every object has `additionalProperties: false` and lists every property
 * in `required`; composition keywords (`allOf`, `not`, `if`/`then`/`else`, `dependent*`) and `oneOf`
 * are refused, as are the object, array and string keywords the docs list as unsupported. Anthropic
 * (`tools[].strict: true`): every object has `additionalProperties: false` (no maps), and length or
 * range constraints are refused; optional properties are allowed.
 */
type Node = Record<string, any>;

export interface StrictRules {
  /** Every property must be listed in `required` (OpenAI). */
  allRequired: boolean;
  refused: readonly string[];
}

const COMPOSITION = ["allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas"];
const OBJECT = ["patternProperties", "unevaluatedProperties", "propertyNames", "minProperties", "maxProperties"];
const ARRAY = ["unevaluatedItems", "contains", "minContains", "maxContains", "uniqueItems"];

export const OPENAI_RULES: StrictRules = {
  allRequired: true,
  refused: [...COMPOSITION, ...OBJECT, ...ARRAY, "minLength", "maxLength"],
};

export const ANTHROPIC_RULES: StrictRules = {
  allRequired: false,
  refused: [
    ...COMPOSITION.filter((k) => k !== "allOf"),
    ...OBJECT,
    ...ARRAY,
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "maxItems",
  ],
};

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first rule a schema breaks, as the API would word it, or null when the schema is accepted. */
export function strictViolation(schema: unknown, rules: StrictRules): string | null {
  if (!isNode(schema)) return "the schema must be an object";
  if (schema.type !== "object" || schema.anyOf) return "In context=(), the root schema must be an object, not anyOf";
  return check(schema, [], rules, 0);
}

function check(node: unknown, path: string[], rules: StrictRules, depth: number): string | null {
  const where = `In context=(${path.map((p) => `'${p}'`).join(", ")})`;
  if (!isNode(node)) return `${where}, a schema must be an object`;
  if (node.$ref !== undefined) return null;
  for (const keyword of rules.refused)
    if (node[keyword] !== undefined) return `${where}, '${keyword}' is not permitted.`;
  if (node.minItems !== undefined && !rules.allRequired && ![0, 1].includes(node.minItems))
    return `${where}, 'minItems' values other than 0 or 1 are not supported.`;
  if (node.type === undefined && node.anyOf === undefined && node.enum === undefined && node.const === undefined)
    return `${where}, schema must have a 'type' key.`;
  const types: unknown[] = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes("object")) {
    if (depth >= 10) return `${where}, objects are nested more than 10 levels deep.`;
    if (node.additionalProperties !== false)
      return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    const properties = isNode(node.properties) ? node.properties : {};
    if (rules.allRequired) {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      const missing = Object.keys(properties).filter((k) => !required.has(k));
      if (!Array.isArray(node.required) || missing.length)
        return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0] ?? ""}'.`;
    }
    for (const [name, prop] of Object.entries(properties)) {
      const problem = check(prop, [...path, "properties", name], rules, depth + 1);
      if (problem) return problem;
    }
  }
  if (node.items !== undefined) {
    const problem = check(node.items, [...path, "items"], rules, depth);
    if (problem) return problem;
  }
  for (const [i, branch] of (Array.isArray(node.anyOf) ? node.anyOf : []).entries()) {
    const problem = check(branch, [...path, "anyOf", String(i)], rules, depth);
    if (problem) return problem;
  }
  for (const defs of ["$defs", "definitions"]) {
    for (const [name, def] of Object.entries(isNode(node[defs]) ? node[defs] : {})) {
      const problem = check(def, [...path, defs, name], rules, depth);
      if (problem) return problem;
    }
  }
  return null;
}
