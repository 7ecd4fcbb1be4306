import type { Field } from "../appspec/schema";

type Json = Record<string, unknown>;

/**
 * The JSON Schema keywords of a scalar field's value (its type and constraints), written into
 * `schema`; `nullable` adds null. Shared by entity fields (document.ts) and account fields
 * (accounts.ts), so both documents describe a field the same way.
 */
export function scalarFieldSchema(field: Field, nullable: boolean, schema: Json = {}): Json {
  const type = (t: string) => (nullable ? [t, "null"] : t);
  switch (field.type) {
    case "string":
      schema.type = type("string");
      if (field.minLength !== undefined) schema.minLength = field.minLength;
      if (field.maxLength !== undefined) schema.maxLength = field.maxLength;
      if (field.pattern !== undefined) schema.pattern = field.pattern;
      break;
    case "integer":
    case "number":
      schema.type = type(field.type);
      if (field.min !== undefined) schema.minimum = field.min;
      if (field.max !== undefined) schema.maximum = field.max;
      break;
    case "boolean":
      schema.type = type("boolean");
      break;
    case "enum":
      schema.type = type("string");
      schema.enum = nullable ? [...field.values, null] : [...field.values];
      break;
    case "datetime":
      schema.type = type("string");
      schema.format = "date-time";
      break;
    case "ref":
      schema.type = type("string");
      schema.description = `the id of a ${field.entity} in the same partition (on delete: ${field.onDelete ?? "restrict"})`;
      break;
  }
  return schema;
}
