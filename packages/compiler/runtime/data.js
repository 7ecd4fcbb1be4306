/**
 * data.js of every generated app: the AppSpec v3 data rules (docs/appspec.md, "Data"): json and
 * array values, file fields in JSON bodies, and the list filters `in`, `prefix` and `has`, plus
 * ranges and sorts on createdAt/updatedAt. model.js asks here for what it does not know itself.
 */

export const JSON_MAX_BYTES = 65536;
export const ARRAY_MAX_ITEMS = 100;
export const MAX_IN_VALUES = 50;
/** The record's own timestamps: always sortable and range-filterable (UTC ISO 8601 with milliseconds). */
export const TIMESTAMPS = ["createdAt", "updatedAt"];
/** Field types that hold a structure, not a scalar: no equality, range or sort. */
export const STRUCTURED = ["json", "array", "file"];
/** Scalar types `in` takes. */
const IN_TYPES = ["string", "integer", "number", "boolean", "enum", "datetime", "ref"];

const encoder = new TextEncoder();

/**
 * Why a json, array or file value does not fit its field, or null; `checkScalar` is model.js's
 * checkValue, for array items. Undefined for any other type.
 */
export function checkDataValue(field, value, checkScalar) {
  switch (field.type) {
    case "json": {
      const max = field.maxBytes ?? JSON_MAX_BYTES;
      // Bodies are JSON, so every value is; ctx.entities may pass anything, which JSON.stringify judges.
      let text;
      try {
        text = JSON.stringify(value);
      } catch {
        return "must be a JSON value";
      }
      if (text === undefined) return "must be a JSON value";
      if (encoder.encode(text).length > max) return `must be at most ${max} bytes as compact JSON`;
      return null;
    }
    case "array": {
      if (!Array.isArray(value)) return "must be an array";
      const max = field.maxItems ?? ARRAY_MAX_ITEMS;
      if (value.length > max) return `must have at most ${max} items`;
      for (let i = 0; i < value.length; i++) {
        const problem = value[i] === null ? "must not be null" : checkScalar(field.items, value[i]);
        if (problem) return `item ${i} ${problem}`;
      }
      return null;
    }
    case "file":
      return "takes only null in a JSON body (upload with PUT …/files/{field}, or send multipart/form-data)";
    default:
      return undefined;
  }
}

/**
 * The raw (still percent-encoded) value of each `{field}[in]` parameter of a query string: `in` splits
 * on `,` before decoding, so a comma inside a value is `%2C`. The first of repeated keys wins, as
 * URLSearchParams.get does.
 */
export function rawInValues(search) {
  const raw = new Map();
  const text = search.startsWith("?") ? search.slice(1) : search;
  for (const pair of text.split("&")) {
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    let key;
    try {
      key = decodeURIComponent(rawKey.replaceAll("+", " "));
    } catch {
      continue;
    }
    if (key.endsWith("[in]") && !raw.has(key)) raw.set(key, eq < 0 ? "" : pair.slice(eq + 1));
  }
  return raw;
}

/** The decoded parts of a raw `in` value, or a problem. */
export function splitIn(raw) {
  const parts = raw.split(",");
  if (parts.length > MAX_IN_VALUES) return { problem: `at most ${MAX_IN_VALUES} values` };
  const values = [];
  for (const part of parts) {
    if (part === "") return { problem: "an empty value (a comma inside a value is %2C)" };
    try {
      values.push(decodeURIComponent(part.replaceAll("+", " ")));
    } catch {
      return { problem: "a value that is not percent-encoded correctly" };
    }
  }
  return { values };
}

/**
 * One `{name}[op]` filter of a list for the v3 operators and timestamps: `{ filter }`, `{ problem }`, or
 * null when model.js handles it. `parse` is model.js's parseFilterValue; `rawIn` the raw `in` value.
 */
export function parseDataFilter(entity, name, op, raw, rawIn, parse) {
  if (TIMESTAMPS.includes(name)) {
    if (!["gt", "gte", "lt", "lte"].includes(op)) return { problem: `${name} takes [gt], [gte], [lt], [lte]` };
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(ms)) return { problem: "not an ISO 8601 date-time to compare with" };
    return { filter: { name, op, value: new Date(ms).toISOString() } };
  }
  const field = entity.fields[name];
  if (op === "in") {
    if (!IN_TYPES.includes(field.type)) return { problem: `[in] applies to scalar fields, not ${field.type}` };
    const { values, problem } = splitIn(rawIn ?? raw);
    if (problem) return { problem };
    const parsed = values.map((v) => parse(field, v));
    const bad = parsed.findIndex((v) => v === undefined);
    if (bad >= 0) return { problem: `value ${bad + 1} is not a valid ${field.type}` };
    return { filter: { name, op, value: parsed } };
  }
  if (op === "prefix") {
    if (field.type !== "string") return { problem: `[prefix] applies to string fields, not ${field.type}` };
    if (raw === "") return { problem: "an empty prefix matches everything: leave it out" };
    return { filter: { name, op, value: raw } };
  }
  if (op === "has") {
    if (field.type !== "array") return { problem: `[has] applies to array fields, not ${field.type}` };
    const value = parse(field.items, raw);
    if (value === undefined) return { problem: `not a valid ${field.items.type} item` };
    return { filter: { name, op, value } };
  }
  if (STRUCTURED.includes(field.type)) return { problem: `${field.type} fields cannot be filtered${hint(field)}` };
  return null;
}

function hint(field) {
  return field.type === "array" ? " but by [has]" : "";
}

/**
 * The smallest string above every string that starts with `prefix` (in SQLite's BINARY order, which
 * is code point order): `expr >= prefix AND expr < upper` is then exactly "starts with", with no
 * LIKE wildcards and on an index. Null when there is none (a prefix of only U+10FFFF).
 */
export function prefixUpperBound(prefix) {
  const points = Array.from(prefix, (c) => c.codePointAt(0));
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop();
  if (points.length === 0) return null;
  let last = points.pop() + 1;
  if (last === 0xd800) last = 0xe000;
  return String.fromCodePoint(...points, last);
}
