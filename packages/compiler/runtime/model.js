/**
 * model.js of every generated app: the pure rules of the contract (validation, defaults, list
 * queries, cursors, errors) over the app's SPEC (spec.js, the one module the compiler writes per app).
 */
import { SPEC } from "./spec.js";

export { SPEC };

export const MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
const ALL_OPERATIONS = ["create", "get", "update", "delete", "list"];
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An answer other than success: status, error code, message, and the fields at fault. */
export class HttpError extends Error {
  constructor(status, code, message, details = [], headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export function errorBody(err) {
  return { error: { code: err.code, message: err.message, details: err.details } };
}

export const invalidJson = () => new HttpError(400, "invalid_json", "request body is not valid JSON");
export const notFound = (what) => new HttpError(404, "not_found", `${what} not found`);
export const tooLarge = () => new HttpError(413, "payload_too_large", "request body is larger than 1 MiB");
export function validationFailed(details) {
  const paths = details.map((d) => d.path || "(body)").join(", ");
  return new HttpError(400, "validation_failed", `invalid input: ${paths}`, details);
}
export function methodNotAllowed(allow) {
  return new HttpError(405, "method_not_allowed", `use ${allow.join(" or ")}`, [], { allow: allow.join(", ") });
}

export function entityByPlural(plural) {
  return SPEC.entities.find((e) => e.plural === plural) ?? null;
}

export function operationsOf(entity) {
  return entity.operations ?? ALL_OPERATIONS;
}

export function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Why a value does not fit its field, or null when it fits. */
export function checkValue(field, value) {
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return "must be a string";
      if (field.minLength !== undefined && value.length < field.minLength)
        return `must have at least ${field.minLength} characters`;
      if (field.maxLength !== undefined && value.length > field.maxLength)
        return `must have at most ${field.maxLength} characters`;
      if (field.pattern !== undefined && !new RegExp(field.pattern).test(value)) return `must match ${field.pattern}`;
      return null;
    case "integer":
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      if (field.type === "integer" && !Number.isSafeInteger(value)) return "must be an integer";
      if (field.min !== undefined && value < field.min) return `must be at least ${field.min}`;
      if (field.max !== undefined && value > field.max) return `must be at most ${field.max}`;
      return null;
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "enum":
      return typeof value === "string" && field.values.includes(value)
        ? null
        : `must be one of ${field.values.join(", ")}`;
    case "datetime":
      return typeof value === "string" && DATETIME.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : "must be an ISO 8601 date-time";
    default:
      return "has an unknown type";
  }
}

function unknownFields(entity, body) {
  return Object.keys(body)
    .filter((key) => !Object.hasOwn(entity.fields, key))
    .map((key) => ({ path: key, message: "unknown field" }));
}

/** The fields of a new record, defaults applied; throws validation_failed naming every bad field. */
export function validateCreate(entity, body) {
  if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
  const details = unknownFields(entity, body);
  const values = {};
  for (const [name, field] of Object.entries(entity.fields)) {
    const value = Object.hasOwn(body, name) ? body[name] : undefined;
    if (value === undefined || value === null) {
      if (field.required) details.push({ path: name, message: "required" });
      else values[name] = field.default ?? null;
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) details.push({ path: name, message: problem });
    else values[name] = value;
  }
  if (details.length > 0) throw validationFailed(details);
  return values;
}

/** The fields a PATCH changes; null clears an optional field. */
export function validatePatch(entity, body) {
  if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
  const details = unknownFields(entity, body);
  const changes = {};
  for (const [name, value] of Object.entries(body)) {
    const field = entity.fields[name];
    if (!field || !Object.hasOwn(entity.fields, name)) continue;
    if (value === null) {
      if (field.required) details.push({ path: name, message: "required" });
      else changes[name] = null;
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) details.push({ path: name, message: problem });
    else changes[name] = value;
  }
  if (details.length > 0) throw validationFailed(details);
  return changes;
}

/** Stored data as the current spec sees it: a field the data predates reads as its default. */
export function currentFields(entity, data) {
  const values = {};
  for (const [name, field] of Object.entries(entity.fields)) {
    values[name] = Object.hasOwn(data, name) && data[name] !== undefined ? data[name] : (field.default ?? null);
  }
  return values;
}

export function shapeRecord(entity, row) {
  return {
    id: row.id,
    ...currentFields(entity, JSON.parse(row.data)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function encodeCursor(seq) {
  return btoa(`s:${seq}`).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor) {
  try {
    const text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const match = /^s:(\d{1,15})$/.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** A query value as the field's type, or undefined when it cannot be one. */
export function parseFilterValue(field, raw) {
  switch (field.type) {
    case "integer":
      return /^-?\d{1,16}$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : undefined;
    case "number":
      return raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "enum":
      return field.values.includes(raw) ? raw : undefined;
    default:
      return checkValue(field, raw) === null || field.type === "string" ? raw : undefined;
  }
}

/** limit, cursor and equality filters of a list request; throws validation_failed for anything else. */
export function parseListQuery(entity, params) {
  const details = [];
  let limit = DEFAULT_LIMIT;
  let after = 0;
  const filters = [];
  for (const key of new Set(params.keys())) {
    const raw = params.get(key);
    if (key === "limit") {
      if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
        details.push({ path: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` });
      } else limit = Number(raw);
    } else if (key === "cursor") {
      const seq = decodeCursor(raw);
      if (seq === null) details.push({ path: "cursor", message: "not a cursor from this list" });
      else after = seq;
    } else if (Object.hasOwn(entity.fields, key)) {
      const value = parseFilterValue(entity.fields[key], raw);
      if (value === undefined)
        details.push({ path: key, message: `not a valid ${entity.fields[key].type} to filter by` });
      else filters.push([key, value]);
    } else {
      details.push({ path: key, message: "unknown query parameter" });
    }
  }
  if (details.length > 0) throw validationFailed(details);
  return { limit, after, filters };
}

/** The body of a counter increment: nothing (by 1) or { "by": integer }. */
export function parseIncrement(body) {
  if (body === undefined) return 1;
  if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
  const details = Object.keys(body)
    .filter((key) => key !== "by")
    .map((key) => ({ path: key, message: "unknown field" }));
  if (body.by !== undefined && !Number.isSafeInteger(body.by))
    details.push({ path: "by", message: "must be an integer" });
  if (details.length > 0) throw validationFailed(details);
  return body.by ?? 1;
}
