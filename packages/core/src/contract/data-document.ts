import type { Entity, Field } from "../appspec/schema";

/** The AppSpec v3 data parts of an app's OpenAPI document: json, array and file values and the v3 list parameters. */

type Json = Record<string, unknown>;
type FieldSchema = (field: Field, nullable: boolean) => Json;

const SCALAR_IN = ["string", "integer", "number", "boolean", "enum", "datetime", "ref"];

/** The JSON Schema of a json, array or file value, or null for the other types (document.ts has them). */
export function dataFieldSchema(field: Field, nullable: boolean, scalar: FieldSchema): Json | null {
  switch (field.type) {
    case "json":
      return {
        description: `any JSON value, at most ${field.maxBytes ?? 65_536} bytes as compact JSON; a PATCH replaces it whole`,
      };
    case "array":
      return {
        type: nullable ? ["array", "null"] : "array",
        items: scalar({ ...(field.items as Field), default: undefined } as Field, false),
        maxItems: field.maxItems ?? 100,
      };
    case "file":
      return {
        type: ["object", "null"],
        description: `set with PUT …/files/{field} (at most ${field.maxBytes ?? 10 * 1024 * 1024} bytes${
          field.contentTypes ? `, ${field.contentTypes.join(", ")}` : ""
        }); a JSON body takes only null (deletes the file)`,
        properties: {
          size: { type: "integer" },
          contentType: { type: "string" },
          sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
        },
        required: ["size", "contentType", "sha256"],
      };
    default:
      return null;
  }
}

/** The list parameters v3 adds: `in`, `prefix`, `has`, createdAt/updatedAt ranges and `q`. */
export function dataListParameters(entity: Entity, scalar: FieldSchema): Json[] {
  const params: Json[] = [];
  const datetime = { type: "string", format: "date-time" };
  for (const name of ["createdAt", "updatedAt"])
    for (const op of ["gt", "gte", "lt", "lte"])
      params.push({ name: `${name}[${op}]`, in: "query", description: `${name} range bound`, schema: datetime });
  for (const [name, field] of Object.entries(entity.fields)) {
    if (SCALAR_IN.includes(field.type))
      params.push({
        name: `${name}[in]`,
        in: "query",
        description: `only records whose ${name} is one of these comma-separated values (at most 50; a comma inside a value is %2C)`,
        schema: { type: "string" },
      });
    if (field.type === "string")
      params.push({
        name: `${name}[prefix]`,
        in: "query",
        description: `only records whose ${name} starts with this text (case-sensitive, no wildcards)`,
        schema: { type: "string" },
      });
    if (field.type === "array")
      params.push({
        name: `${name}[has]`,
        in: "query",
        description: `only records whose ${name} contains this item`,
        schema: scalar({ ...(field.items as Field), default: undefined } as Field, false),
      });
  }
  if (entity.search?.length)
    params.push({
      name: "q",
      in: "query",
      description: `full-text search over ${entity.search.join(", ")}: every word must match (a trailing * matches a prefix); ordered by relevance unless sort`,
      schema: { type: "string", minLength: 1 },
    });
  return params;
}
