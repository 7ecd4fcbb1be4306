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

const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

/**
 * The file routes of an entity's file fields: `PUT` with the raw bytes (any `contentTypes` it takes),
 * `GET` the bytes with their ETag, `DELETE`. Keyed by path; `schemaName` names the record's schema.
 */
export function fileRoutePaths(entity: Entity, schemaName: string): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  const ops = entity.operations ?? ["create", "get", "update", "delete", "list"];
  for (const [name, field] of Object.entries(entity.fields)) {
    if (field.type !== "file") continue;
    const path = `/${entity.plural}/{id}/files/${name}`;
    const params = [
      { name: "id", in: "path", required: true, description: "the record's id", schema: { type: "string" } },
    ];
    const types = field.contentTypes ?? ["application/octet-stream"];
    const binary = { type: "string", format: "binary" };
    const item: Record<string, unknown> = {};
    if (ops.includes("get"))
      item.get = {
        operationId: `get${cap(entity.name)}${cap(name)}`,
        summary: `The ${name} file of a ${entity.name}`,
        tags: [entity.plural],
        parameters: [
          ...params,
          { name: "If-None-Match", in: "header", description: "the ETag you have", schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: 'the bytes, with their Content-Type, `ETag: "<sha256>"` and `Content-Disposition: attachment`',
            content: Object.fromEntries(types.map((t) => [t, { schema: binary }])),
          },
          "304": { description: "unchanged since the ETag in If-None-Match" },
          "404": errorRef("NotFound"),
        },
      };
    if (ops.includes("update")) {
      item.put = {
        operationId: `put${cap(entity.name)}${cap(name)}`,
        summary: `Upload the ${name} file of a ${entity.name} (at most ${field.maxBytes ?? 10 * 1024 * 1024} bytes)`,
        tags: [entity.plural],
        parameters: params,
        requestBody: { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: binary }])) },
        responses: {
          "200": {
            description: `the ${entity.name}, its ${name} as { size, contentType, sha256 }`,
            content: { "application/json": { schema: { $ref: `#/components/schemas/${schemaName}` } } },
          },
          "404": errorRef("NotFound"),
          "413": errorRef("PayloadTooLarge"),
          "415": { description: "unsupported_media_type: a type the field does not take" },
        },
      };
      item.delete = {
        operationId: `delete${cap(entity.name)}${cap(name)}`,
        summary: `Delete the ${name} file of a ${entity.name}`,
        tags: [entity.plural],
        parameters: params,
        responses: { "204": { description: "deleted" }, "404": errorRef("NotFound") },
      };
    }
    paths[path] = item;
  }
  return paths;
}

/** A create or update of an entity with file fields may also be multipart/form-data. */
export function multipartContent(entity: Entity): Record<string, unknown> | null {
  const fields = Object.entries(entity.fields);
  if (!fields.some(([, f]) => f.type === "file")) return null;
  const properties = Object.fromEntries(
    fields.map(([n, f]) => [
      n,
      f.type === "file"
        ? { type: "string", format: "binary" }
        : { type: "string", description: "as a query value (json and array fields as JSON text); empty for null" },
    ]),
  );
  return { "multipart/form-data": { schema: { type: "object", properties } } };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
