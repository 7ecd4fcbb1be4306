import type { Action, ExampleStep } from "../appspec";
import type { Entity, Field } from "../appspec/schema";
import { addAccounts } from "./accounts";
import { dataFieldSchema, dataListParameters, fileRoutePaths, multipartContent } from "./data-document";
import { scalarFieldSchema } from "./field-schema";
import { type ContractRoute, type ContractSpec, contractRoutes, routeKey, schemaName } from "./routes";

/** An OpenAPI 3.1 document as plain JSON (no library types: the document is data). */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };
type Json = Record<string, unknown>;

const ref = (kind: "schemas" | "responses", name: string) => ({ $ref: `#/components/${kind}/${name}` });
const jsonContent = (schema: unknown, extra: Json = {}) => ({ "application/json": { schema, ...extra } });

/** The error answers every app shares (docs/appspec.md "HTTP contract"), as reusable responses. */
const ERRORS = {
  InvalidJson: [400, "invalid_json: the body is not JSON"],
  ValidationFailed: [400, "validation_failed: `details` names each field path that is wrong"],
  Unauthorized: [401, "unauthorized: no valid app key"],
  NotFound: [404, "not_found: no such record, route or app"],
  MethodNotAllowed: [405, "method_not_allowed"],
  Conflict: [409, "conflict: a unique field repeats, restrict children exist, or min/max would break"],
  PayloadTooLarge: [413, "payload_too_large: bodies over 1 MiB"],
  RateLimited: [429, "rate_limited: wait `Retry-After` seconds"],
  InternalError: [500, "internal_error"],
} as const satisfies Record<string, readonly [number, string]>;
type ErrorName = keyof typeof ERRORS;
const ERROR_CODES = [
  "invalid_json",
  "validation_failed",
  "unauthorized",
  "not_found",
  "conflict",
  "rate_limited",
  "method_not_allowed",
  "payload_too_large",
  "internal_error",
  "upgrade_required",
];

function errorResponses(names: ErrorName[]): Json {
  const out: Json = {};
  for (const name of names) {
    const status = String(ERRORS[name][0]);
    // Two errors on one status (400): the first names the response, the description lists both.
    if (!(status in out)) out[status] = ref("responses", name);
  }
  return out;
}

/** The JSON Schema of a field's value; `nullable` adds null (optional fields read as null). */
function fieldSchema(field: Field, nullable: boolean): Json {
  const schema: Json = dataFieldSchema(field, nullable, fieldSchema) ?? {};
  scalarFieldSchema(field, nullable, schema);
  if (field.default !== undefined) schema.default = field.default;
  if (field.description !== undefined)
    schema.description = schema.description ? `${field.description} (${schema.description})` : field.description;
  return schema;
}

function entitySchemas(entity: Entity): Record<string, Json> {
  const name = schemaName(entity);
  const fields = Object.entries(entity.fields);
  const record: Json = {
    type: "object",
    description: entity.description ?? `A ${entity.name}`,
    properties: {
      id: { type: "string" },
      ...Object.fromEntries(fields.map(([n, f]) => [n, fieldSchema(f, !f.required)])),
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
    },
    required: ["id", ...fields.map(([n]) => n), "createdAt", "updatedAt"],
  };
  const required = fields.filter(([, f]) => f.required).map(([n]) => n);
  const create: Json = {
    type: "object",
    description: `A new ${entity.name}; optional fields left out (or null) take their default`,
    properties: Object.fromEntries(fields.map(([n, f]) => [n, fieldSchema(f, !f.required)])),
    additionalProperties: false,
    ...(required.length ? { required } : {}),
  };
  const patch: Json = {
    type: "object",
    description: `Fields of a ${entity.name} to change; null clears an optional field`,
    properties: Object.fromEntries(
      fields.map(([n, f]) => [n, fieldSchema({ ...f, default: undefined } as Field, !f.required)]),
    ),
    additionalProperties: false,
  };
  const page: Json = {
    type: "object",
    properties: { items: { type: "array", items: ref("schemas", name) }, nextCursor: { type: ["string", "null"] } },
    required: ["items", "nextCursor"],
  };
  return { [name]: record, [`${name}Create`]: create, [`${name}Patch`]: patch, [`${name}Page`]: page };
}

const RANGED: Field["type"][] = ["integer", "number", "datetime"];

function listParameters(entity: Entity): Json[] {
  const sortable = entity.sortable ?? [];
  const params: Json[] = [
    {
      name: "limit",
      in: "query",
      description: "records per page",
      schema: { type: "integer", minimum: 1, maximum: 100, default: 50 },
    },
    { name: "cursor", in: "query", description: "`nextCursor` of the previous page", schema: { type: "string" } },
  ];
  // createdAt and updatedAt are always sortable.
  params.push({
    name: "sort",
    in: "query",
    description: `comma-separated fields of ${[...sortable, "createdAt", "updatedAt"].join(", ")}; a leading - sorts descending; ties oldest first`,
    schema: { type: "string" },
  });
  for (const [name, field] of Object.entries(entity.fields)) {
    if (field.type === "json" || field.type === "array" || field.type === "file") continue;
    params.push({
      name,
      in: "query",
      description: `only records whose ${name} equals this`,
      schema: fieldSchema({ ...field, default: undefined } as Field, false),
    });
    if (RANGED.includes(field.type))
      for (const op of ["gt", "gte", "lt", "lte"])
        params.push({
          name: `${name}[${op}]`,
          in: "query",
          description: `only records whose ${name} is ${op.replace("gte", "≥").replace("lte", "≤").replace("gt", ">").replace("lt", "<")} this`,
          schema: fieldSchema({ ...field, default: undefined } as Field, false),
        });
  }
  return [...params, ...dataListParameters(entity, fieldSchema)];
}

const pathParams = (path: string, described: Record<string, string> = {}): Json[] =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    description: described[m[1]!] ?? `path parameter ${m[1]}`,
    schema: { type: "string" },
  }));

/** Whether an example step calls this route: same method, and its path fits the route's segments. */
function stepCalls(step: ExampleStep, method: string, path: string): boolean {
  if ((step.method ?? "GET") !== method || step.path === undefined) return false;
  const steps = step.path.split("?")[0]!.split("/");
  const route = path.split("/");
  return steps.length === route.length && route.every((seg, i) => seg.startsWith("{") || seg === steps[i]);
}

function actionOperation(action: Action, path: string, spec: ContractSpec): Json {
  const steps = [...(action.examples ?? []), ...(spec.examples ?? [])].filter((s) => stepCalls(s, action.method, path));
  const op: Json = {
    operationId: action.name,
    summary: (action.description ?? `${action.method} ${action.path}`).split("\n")[0]!.slice(0, 200),
    ...(action.description ? { description: action.description } : {}),
    tags: ["actions"],
  };
  const bodies = steps.filter((s) => s.body !== undefined);
  if (action.method !== "GET" && action.method !== "DELETE")
    op.requestBody = {
      required: false,
      content: jsonContent(
        {},
        bodies.length
          ? {
              examples: Object.fromEntries(
                bodies.map((s, i) => [`example${i + 1}`, { summary: `${s.method ?? "GET"} ${s.path}`, value: s.body }]),
              ),
            }
          : {},
      ),
    };
  const responses: Json = {};
  for (const [i, s] of steps.entries()) {
    const status = String(s.status ?? s.statusIn?.[0] ?? 200);
    responses[status] ??= { description: `an answer seen in the examples (${status})` };
    const response = responses[status] as Json;
    if (s.json !== undefined && status !== "204") {
      response.content ??= jsonContent({});
      const media = (response.content as Json)["application/json"] as Json;
      media.examples = { ...((media.examples as Json) ?? {}), [`example${i + 1}`]: { summary: s.path, value: s.json } };
    }
  }
  responses["4XX"] ??= {
    description: "an error the action chose, or the request's",
    content: jsonContent(ref("schemas", "Error")),
  };
  responses.default = {
    description: "what the action answers; errors in the error envelope",
    content: jsonContent({}),
  };
  op.responses = responses;
  return op;
}

function entityOperation(route: ContractRoute, spec: ContractSpec): Json {
  const entity = route.entity!;
  const name = schemaName(entity);
  const record = jsonContent(ref("schemas", name));
  const tags = [entity.plural];
  switch (route.kind) {
    case "list":
      return {
        operationId: `list${name}`,
        summary: `List ${entity.plural}, oldest first unless sorted`,
        tags,
        parameters: listParameters(entity),
        responses: {
          200: { description: `a page of ${entity.plural}`, content: jsonContent(ref("schemas", `${name}Page`)) },
          ...errorResponses(["ValidationFailed"]),
        },
      };
    case "create":
      return {
        operationId: `create${name}`,
        summary: `Create a ${entity.name}`,
        tags,
        requestBody: { required: true, content: jsonContent(ref("schemas", `${name}Create`)) },
        responses: {
          201: { description: `the new ${entity.name}, defaults applied`, content: record },
          ...errorResponses(["ValidationFailed", "Conflict"]),
        },
      };
    case "get":
      return {
        operationId: `get${name}`,
        summary: `Get a ${entity.name}`,
        tags,
        responses: { 200: { description: `the ${entity.name}`, content: record }, ...errorResponses(["NotFound"]) },
      };
    case "update":
      return {
        operationId: `update${name}`,
        summary: `Change fields of a ${entity.name}`,
        tags,
        requestBody: { required: true, content: jsonContent(ref("schemas", `${name}Patch`)) },
        responses: {
          200: { description: `the updated ${entity.name}`, content: record },
          ...errorResponses(["ValidationFailed", "NotFound", "Conflict"]),
        },
      };
    case "delete": {
      const children = spec.entities.some((e) =>
        Object.values(e.fields).some((f) => f.type === "ref" && f.entity === entity.name),
      );
      return {
        operationId: `delete${name}`,
        summary: `Delete a ${entity.name}${children ? " (cascade refs go too; restrict refs block it)" : ""}`,
        tags,
        responses: { 204: { description: "deleted" }, ...errorResponses(["NotFound", "Conflict"]) },
      };
    }
    default: {
      const numeric = Object.entries(entity.fields)
        .filter(([, f]) => f.type === "integer" || f.type === "number")
        .map(([n]) => n);
      return {
        operationId: `increment${name}`,
        summary: `Add to a number field of a ${entity.name}, atomically`,
        tags,
        requestBody: {
          required: true,
          content: jsonContent({
            type: "object",
            properties: { field: { type: "string", enum: numeric }, by: { type: "number" } },
            required: ["field", "by"],
            additionalProperties: false,
          }),
        },
        responses: {
          200: { description: `the changed ${entity.name}`, content: record },
          ...errorResponses(["ValidationFailed", "NotFound"]),
          409: { $ref: "#/components/responses/Conflict" },
        },
      };
    }
  }
}

function otherOperation(route: ContractRoute): Json {
  const counter = ref("schemas", "Counter");
  switch (route.kind) {
    case "counterGet":
      return {
        operationId: `get${capital(route.counter!)}Counter`,
        summary: `Read the counter ${route.counter}`,
        tags: ["counters"],
        responses: {
          200: { description: "the counter", content: jsonContent(counter) },
          ...errorResponses(["NotFound"]),
        },
      };
    case "counterIncrement":
      return {
        operationId: `increment${capital(route.counter!)}Counter`,
        summary: `Add to the counter ${route.counter}`,
        tags: ["counters"],
        requestBody: {
          required: false,
          content: jsonContent({
            type: "object",
            properties: { by: { type: "integer", default: 1 } },
            additionalProperties: false,
          }),
        },
        responses: {
          200: { description: "the new value", content: jsonContent(counter) },
          ...errorResponses(["ValidationFailed"]),
        },
      };
    default:
      return {
        operationId: `join${capital(route.channel!)}Channel`,
        summary: `Join the WebSocket room ${route.channel} (an upgrade)`,
        description:
          "Send `Upgrade: websocket`. Text frames go to every other member of the room in this partition (or to the channel's action); browsers send an app key as the subprotocol `key.<app key>`.",
        tags: ["channels"],
        parameters: [
          { name: "Upgrade", in: "header", required: true, schema: { type: "string", enum: ["websocket"] } },
        ],
        responses: {
          101: { description: "switching protocols: a member of the room" },
          426: {
            description: "upgrade_required: the request had no `Upgrade: websocket`",
            content: jsonContent(ref("schemas", "Error")),
          },
          ...errorResponses(["NotFound"]),
        },
      };
  }
}

const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * Every path of one shape shares one spelling, so no two paths are identical but for parameter
 * names: the entity routes' (`{id}`) when there is one, else the first action's.
 */
function canonicalPaths(routes: ContractRoute[]): Map<ContractRoute, string> {
  const byShape = new Map<string, string>();
  const shape = (route: ContractRoute) => routeKey({ method: "GET", path: route.path });
  for (const route of [...routes.filter((r) => r.kind !== "action"), ...routes.filter((r) => r.kind === "action")])
    if (!byShape.has(shape(route))) byShape.set(shape(route), route.path);
  return new Map(routes.map((route) => [route, byShape.get(shape(route))!]));
}

/** Drops schemas nothing refers to (an entity whose create or update route is off, or shadowed by an action). */
function pruneSchemas(document: OpenApiDocument): void {
  const schemas = (document.components as Json).schemas as Json;
  const refs = (value: unknown) =>
    new Set([...JSON.stringify(value).matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1]!));
  const keep = refs([document.paths, (document.components as Json).responses]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of keep)
      for (const inner of refs(schemas[name]))
        if (!keep.has(inner)) {
          keep.add(inner);
          grew = true;
        }
  }
  for (const name of Object.keys(schemas)) if (!keep.has(name)) delete schemas[name];
}

/**
 * The OpenAPI 3.1 document of an app version, generated from its spec alone: a pure function, so
 * the gateway serves it, the linter checks it in Node, and the contract diff compares what it says.
 */
export function appContract(spec: ContractSpec, options: { serverUrl: string; version?: number }): OpenApiDocument {
  const routes = contractRoutes(spec);
  const paths: Record<string, Record<string, unknown>> = {};
  const canonical = canonicalPaths(routes);
  const operationIds = new Set<string>();
  for (const route of routes) {
    const path = canonical.get(route)!;
    const op =
      route.kind === "action"
        ? actionOperation(route.action!, path, spec)
        : route.entity
          ? entityOperation(route, spec)
          : otherOperation(route);
    // Operation ids are unique in a document: an action named like an entity operation gets a suffix.
    let id = String(op.operationId);
    for (let n = 2; operationIds.has(id); n++) id = `${op.operationId}${n}`;
    operationIds.add(id);
    op.operationId = id;
    const params = pathParams(path, route.kind === "action" ? {} : { id: "the record's id" });
    if (params.length) op.parameters = [...params, ...((op.parameters as Json[]) ?? [])];
    const responses = op.responses as Json;
    if (spec.access === "key") responses["401"] ??= ref("responses", "Unauthorized");
    if (spec.rateLimit) responses["429"] ??= ref("responses", "RateLimited");
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = op;
    // v3 files: creates and updates may be multipart/form-data too.
    const multipart =
      route.entity && (route.kind === "create" || route.kind === "update") ? multipartContent(route.entity) : null;
    const body = op.requestBody as { content?: Json } | undefined;
    if (multipart && body?.content) Object.assign(body.content, multipart);
  }
  for (const entity of spec.entities) Object.assign(paths, fileRoutePaths(entity, schemaName(entity)));
  const schemas: Json = {
    Error: {
      type: "object",
      description: "The error envelope of every failure",
      properties: {
        error: {
          type: "object",
          properties: {
            code: { type: "string", description: `one of ${ERROR_CODES.join(", ")}, or a code an action chooses` },
            message: { type: "string" },
            details: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, message: { type: "string" } },
                required: ["path", "message"],
              },
            },
          },
          required: ["code", "message", "details"],
        },
      },
      required: ["error"],
    },
  };
  for (const entity of spec.entities) Object.assign(schemas, entitySchemas(entity));
  if (spec.counters?.length)
    schemas.Counter = {
      type: "object",
      properties: { name: { type: "string" }, value: { type: "integer" } },
      required: ["name", "value"],
    };
  const used = new Set(
    JSON.stringify(paths)
      .match(/#\/components\/responses\/\w+/g)
      ?.map((r) => r.split("/").pop()!),
  );
  const responses = Object.fromEntries(
    (Object.keys(ERRORS) as ErrorName[])
      .filter((name) => used.has(name))
      .map((name) => [
        name,
        {
          description: ERRORS[name][1],
          content: jsonContent(ref("schemas", "Error")),
          ...(name === "RateLimited"
            ? { headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } } }
            : {}),
        },
      ]),
  );
  const tags = [
    ...spec.entities.map((e) => ({ name: e.plural, description: e.description ?? `${e.name} records` })),
    ...(spec.actions?.length ? [{ name: "actions", description: "custom routes of this app" }] : []),
    ...(spec.counters?.length ? [{ name: "counters", description: "named counters" }] : []),
    ...(spec.channels?.length ? [{ name: "channels", description: "WebSocket rooms, joined by an upgrade" }] : []),
  ].filter((t) => JSON.stringify(paths).includes(`"tags":["${t.name}"]`));
  const document: OpenApiDocument = {
    openapi: "3.1.0",
    info: {
      title: spec.name,
      version: options.version === undefined ? "draft" : String(options.version),
      description: [
        spec.description ?? `The ${spec.name} app`,
        spec.partition === "perKey" ? "Data is kept per key: the server URL names the partition." : "",
        "Errors answer `{ error: { code, message, details } }`; bodies over 1 MiB answer 413.",
      ]
        .filter(Boolean)
        .join(" "),
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [
      {
        url: options.serverUrl,
        description: `the live ${spec.name}`,
        // A perKey app documented from its root: the partition key is the client's to choose.
        ...(options.serverUrl.includes("{key}")
          ? { variables: { key: { default: "default", description: "the partition key, ^[A-Za-z0-9_-]{1,64}$" } } }
          : {}),
      },
    ],
    tags,
    paths,
    components: {
      schemas,
      ...(Object.keys(responses).length ? { responses } : {}),
      ...(spec.access === "key"
        ? {
            securitySchemes: {
              appKey: {
                type: "http",
                scheme: "bearer",
                description: "An app key from `POST /v1/apps/{name}/keys`, as `Authorization: Bearer <app key>`",
              },
            },
          }
        : {}),
    },
    // A public app asks for no credentials: the empty requirement says so explicitly.
    security: spec.access === "key" ? [{ appKey: [] }] : [{}],
  };
  addAccounts(document, spec);
  pruneSchemas(document);
  return document;
}
