/**
 * model.js of every generated app: the pure rules of the contract (validation, defaults, list
 * queries, cursors, errors) over the app's SPEC (spec.js, the one module the compiler writes per app).
 */
import { checkDataValue, parseDataFilter, STRUCTURED, TIMESTAMPS } from "./data.js";
import { RE2JS } from "./patterns.js";
import { searchMatch } from "./search.js";
import { SPEC } from "./spec.js";

export { SPEC };

export const MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
const ALL_OPERATIONS = ["create", "get", "update", "delete", "list"];
const RANGE_OPERATORS = ["gt", "gte", "lt", "lte"];
const RANGE_TYPES = ["integer", "number", "datetime"];
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
/** As the gateway's limit (packages/core/src/json/depth.ts): deeper bodies overflow the stack of whatever walks them. */
const MAX_JSON_DEPTH = 64;

/**
 * Parses a JSON body: invalid text is `invalid_json`, nesting past 64 levels `validation_failed`
 * (counted without recursion; brackets inside strings do not count).
 */
export function parseJsonText(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH)
        throw validationFailed([{ path: "", message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return value;
}
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

const matchers = new Map();
/**
 * A spec pattern compiled by RE2 (re2js, bundled with the app): matching takes time linear in the
 * value, so no pattern and no input can stall the app the way a backtracking RegExp can.
 */
function matcherOf(pattern) {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    matcher = RE2JS.compile(RE2JS.translateRegExp(pattern));
    matchers.set(pattern, matcher);
  }
  return matcher;
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
      if (field.pattern !== undefined && !matcherOf(field.pattern).test(value)) return `must match ${field.pattern}`;
      return null;
    case "ref":
      return typeof value === "string" && value.length > 0 && value.length <= 200
        ? null
        : `must be the id of a ${field.entity}`;
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
    default: {
      const problem = checkDataValue(field, value, checkValue);
      return problem === undefined ? "has an unknown type" : problem;
    }
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
    // As SQL's NOT NULL DEFAULT: an omitted field takes its default; `required` refuses only what
    // is left with no value (omitted with no default, or an explicit null).
    if (value === undefined && field.default !== undefined) {
      values[name] = field.default;
      continue;
    }
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

/** Stored data with new values written over it: fields this version does not know are kept as they are. */
export function mergeStored(data, values) {
  return { ...data, ...values };
}

/** The unique keys of an entity, each a list of field names (a composite key has several). */
export function uniqueKeys(entity) {
  return (entity.unique ?? []).map((key) => (Array.isArray(key) ? key : [key]));
}

/** The ref fields of every entity that point at this one: [child entity, field name, field]. */
export function referencesTo(entity) {
  const refs = [];
  for (const child of SPEC.entities) {
    for (const [name, field] of Object.entries(child.fields)) {
      if (field.type === "ref" && field.entity === entity.name) refs.push([child, name, field]);
    }
  }
  return refs;
}

export function entityByName(name) {
  return SPEC.entities.find((e) => e.name === name) ?? null;
}

export function shapeRecord(entity, row) {
  const data = JSON.parse(row.data);
  return {
    id: row.id,
    // v3: an owned record names its owner (read-only: no body may set it).
    ...(entity.owner === "user" ? { ownerId: data.ownerId ?? null } : {}),
    ...currentFields(entity, data),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function base64url(text) {
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function unbase64url(cursor) {
  return atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
}

/** The cursor of a list in insertion order: the last seq seen. */
export function encodeCursor(seq) {
  return base64url(`s:${seq}`);
}

export function decodeCursor(cursor) {
  try {
    const match = /^s:(\d{1,15})$/.exec(unbase64url(cursor));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The cursor of a sorted list: the sort it belongs to, the sort key values of the last record seen
 * (as SQLite computed them) and its seq, so the next page starts exactly after it under that sort.
 */
export function encodeSortCursor(sortText, keys, seq) {
  return base64url(`k:${JSON.stringify({ o: sortText, k: keys, s: seq })}`);
}

/** { keys, seq } of a cursor made under this sort, or null for any other text (another sort's cursor too). */
export function decodeSortCursor(cursor, sortText, size) {
  try {
    const text = unbase64url(cursor);
    if (!text.startsWith("k:")) return null;
    const { o, k, s } = JSON.parse(text.slice(2));
    const scalar = (v) => v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
    if (o !== sortText || !Array.isArray(k) || k.length !== size || !k.every(scalar)) return null;
    return Number.isSafeInteger(s) && s >= 0 ? { keys: k, seq: s } : null;
  } catch {
    return null;
  }
}

/** `-price,qty` as [{ name, desc }]; throws validation_failed unless every name is a sortable field, once. */
export function parseSort(entity, raw) {
  const sortable = entity.sortable ?? [];
  const sort = [];
  for (const part of raw.split(",")) {
    const desc = part.startsWith("-");
    const name = desc ? part.slice(1) : part;
    if (!(sortable.includes(name) || TIMESTAMPS.includes(name)) || sort.some((s) => s.name === name)) {
      const allowed = `one of ${[...sortable, ...TIMESTAMPS].join(", ")}`;
      throw validationFailed([{ path: "sort", message: `sort by ${allowed}, each once, "-" for descending` }]);
    }
    sort.push({ name, desc });
  }
  return sort;
}

/** A query value as the field's type, or undefined when it cannot be one. */
export function parseFilterValue(field, raw) {
  if (STRUCTURED.includes(field.type)) return undefined;
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

/**
 * limit, sort, cursor and filters of a list request: `{field}=` equality on any field,
 * `{field}[gt|gte|lt|lte]=` ranges on integer, number and datetime fields. Throws validation_failed
 * naming every parameter that is wrong.
 */
export function parseListQuery(entity, params, rawIn = null) {
  const details = [];
  let limit = DEFAULT_LIMIT;
  let sort = [];
  let sortText = "";
  let q = null;
  const filters = [];
  for (const key of new Set(params.keys())) {
    const raw = params.get(key);
    const range = /^([A-Za-z_][A-Za-z0-9_]*)\[([a-z]+)\]$/.exec(key);
    const known = range && (Object.hasOwn(entity.fields, range[1]) || TIMESTAMPS.includes(range[1]));
    const data = known ? parseDataFilter(entity, range[1], range[2], raw, rawIn?.get(key), parseFilterValue) : null;
    if (data?.problem) details.push({ path: key, message: data.problem });
    else if (data) filters.push(data.filter);
    else if (key === "q") {
      const found = (entity.search ?? []).length > 0 ? searchMatch(raw) : { problem: "this entity has no search" };
      if (found.problem) details.push({ path: "q", message: found.problem });
      else q = { text: raw, match: found.match };
    } else if (key === "limit") {
      if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
        details.push({ path: "limit", message: `must be an integer from 1 to ${MAX_LIMIT}` });
      } else limit = Number(raw);
    } else if (key === "cursor") {
      // Read once the sort is known: a cursor belongs to one sort.
    } else if (key === "sort") {
      try {
        sort = parseSort(entity, raw);
        sortText = raw;
      } catch (err) {
        details.push(...err.details);
      }
    } else if (key === "ownerId" && entity.owner === "user") {
      // v3: an owned entity's records filter by their owner (actions: `where: { ownerId: ctx.user.id }`).
      filters.push({ name: "ownerId", op: "eq", value: raw });
    } else if (Object.hasOwn(entity.fields, key)) {
      const value = parseFilterValue(entity.fields[key], raw);
      if (value === undefined)
        details.push({ path: key, message: `not a valid ${entity.fields[key].type} to filter by` });
      else filters.push({ name: key, op: "eq", value });
    } else if (range && Object.hasOwn(entity.fields, range[1])) {
      const field = entity.fields[range[1]];
      const value = parseRangeValue(field, raw);
      if (!RANGE_OPERATORS.includes(range[2]))
        details.push({ path: key, message: `use ${RANGE_OPERATORS.map((op) => `[${op}]`).join(", ")}` });
      else if (!RANGE_TYPES.includes(field.type))
        details.push({ path: key, message: `ranges apply to integer, number and datetime fields, not ${field.type}` });
      else if (value === undefined) details.push({ path: key, message: `not a valid ${field.type} to compare with` });
      else filters.push({ name: range[1], op: range[2], value });
    } else {
      details.push({ path: key, message: "unknown query parameter" });
    }
  }
  let after = 0;
  let cursor = null;
  // A search without a sort pages by relevance: its cursor holds the rank, for this very query.
  const keyed = sort.length > 0 || q !== null;
  if (q !== null && sort.length === 0) sortText = `q:${q.text}`;
  if (params.has("cursor")) {
    const raw = params.get("cursor");
    if (!keyed) {
      const seq = decodeCursor(raw);
      if (seq === null) details.push({ path: "cursor", message: "not a cursor from this list" });
      else after = seq;
    } else {
      cursor = decodeSortCursor(raw, sortText, Math.max(sort.length, 1));
      if (cursor === null) details.push({ path: "cursor", message: "not a cursor from this list and sort" });
    }
  }
  if (details.length > 0) throw validationFailed(details);
  return { limit, after, sort, sortText, cursor, filters, q, keyed };
}

/** A range bound as the field's type: datetimes as an instant (seconds since the epoch, as SQLite's unixepoch). */
export function parseRangeValue(field, raw) {
  if (field.type === "datetime") return checkValue(field, raw) === null ? Date.parse(raw) / 1000 : undefined;
  return parseFilterValue(field, raw);
}

/**
 * The body of a record increment: { "field": an integer or number field, "by": a number (an
 * integer for an integer field) }. Throws validation_failed naming what is wrong.
 */
export function parseFieldIncrement(entity, body) {
  if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
  const details = Object.keys(body)
    .filter((key) => key !== "field" && key !== "by")
    .map((key) => ({ path: key, message: "unknown field" }));
  const field =
    typeof body.field === "string" && Object.hasOwn(entity.fields, body.field) ? entity.fields[body.field] : null;
  if (!field || (field.type !== "integer" && field.type !== "number")) {
    details.push({ path: "field", message: "must name an integer or number field" });
  }
  if (typeof body.by !== "number" || !Number.isFinite(body.by))
    details.push({ path: "by", message: "must be a number" });
  else if (field?.type === "integer" && !Number.isSafeInteger(body.by))
    details.push({ path: "by", message: "must be an integer for an integer field" });
  if (details.length > 0) throw validationFailed(details);
  return { name: body.field, field, by: body.by };
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
