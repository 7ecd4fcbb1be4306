/**
 * query.js of every generated app: the SQL a list runs, from a parsed list query. Records are JSON in
 * `data`; a field reads as `json_extract(data, '$.name')`, as its default when the data predates it,
 * and a datetime as an instant. Defaults are written into the expression as literals, so the same
 * text serves the list query and the expression index that makes it fast (SQLite uses an index on
 * an expression only when the query names the very same expression).
 */

import { prefixUpperBound } from "./data.js";
import { searchTableOf } from "./search.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** The record's timestamps, kept in columns of their own (UTC ISO 8601 with milliseconds: text sorts by time). */
const TIMESTAMP_COLUMNS = { createdAt: "created_at", updatedAt: "updated_at" };

export function tableOf(entity) {
  return `"e_${entity.name}"`;
}

/** The table of an entity's records and its expiry index: records are JSON, so versions can add fields. */
export function tableStatements(entity) {
  return [
    `CREATE TABLE IF NOT EXISTS ${tableOf(entity)} (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at INTEGER)`,
    `CREATE INDEX IF NOT EXISTS "e_${entity.name}_expiry" ON ${tableOf(entity)} (expires_at) WHERE expires_at IS NOT NULL`,
  ];
}

function literal(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** The field's value in SQL; spec field names are identifiers, checked again here before they meet SQL. */
export function valueExpr(entity, name) {
  if (!NAME.test(name)) throw new Error(`not a field name: ${name}`);
  const raw = `json_extract(data, '$.${name}')`;
  const fallback = entity.fields[name]?.default;
  return fallback === undefined || fallback === null ? raw : `COALESCE(${raw}, ${literal(fallback)})`;
}

/**
 * Sorts before every value, empty ones included: order expressions are never NULL, so a keyset after
 * any record is a range on the index (`e >= v AND (e > v OR …)`) whichever way the sort goes.
 */
const EMPTY = "-9e999";

/**
 * What a field sorts and compares by: datetimes as seconds since the epoch, whatever their offset
 * (SQLite reads `T`, `Z` and `+HH:MM` only; the contract also accepts `t`, `z` and `+HHMM`), and an
 * empty value as EMPTY, first in ascending order as SQLite sorts NULL.
 */
export function orderExpr(entity, name) {
  if (Object.hasOwn(TIMESTAMP_COLUMNS, name)) return TIMESTAMP_COLUMNS[name];
  const value = valueExpr(entity, name);
  if (entity.fields[name]?.type !== "datetime") return `COALESCE(${value}, ${EMPTY})`;
  const v = `upper(${value})`;
  const colon = `substr(${v}, 1, length(${v}) - 2) || ':' || substr(${v}, -2)`;
  return `COALESCE(unixepoch(CASE WHEN substr(${v}, -5, 1) IN ('+', '-') THEN ${colon} ELSE ${v} END, 'subsec'), ${EMPTY})`;
}

/** A sort key as a cursor holds it: JSON has no -Infinity, so EMPTY travels as null. */
export function cursorKey(value) {
  return value === Number.NEGATIVE_INFINITY ? null : value;
}

/**
 * What an equality filter compares: the stored value (a datetime as its text, as in AppSpec v1), in
 * the indexed form where there is an index (never EMPTY for a value a query can give).
 */
export function equalsExpr(entity, name) {
  if (Object.hasOwn(TIMESTAMP_COLUMNS, name)) return TIMESTAMP_COLUMNS[name];
  const indexed = indexedFields(entity).includes(name) && entity.fields[name]?.type !== "datetime";
  return indexed ? orderExpr(entity, name) : valueExpr(entity, name);
}

function sqlValue(value) {
  return typeof value === "boolean" ? Number(value) : value;
}

/** Fields whose expressions are indexed: what lists sort by, compare by range, and follow refs by. */
export function indexedFields(entity) {
  // createdAt and updatedAt are always sortable and range-filterable.
  const names = new Set([...(entity.sortable ?? []), ...Object.keys(TIMESTAMP_COLUMNS)]);
  for (const [name, field] of Object.entries(entity.fields)) {
    if (["integer", "number", "datetime", "ref"].includes(field.type)) names.add(name);
  }
  return [...names].filter((name) => Object.hasOwn(entity.fields, name) || Object.hasOwn(TIMESTAMP_COLUMNS, name));
}

/** FNV-1a of an index's expression: its name changes when the expression does (a new default, say). */
function hashOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/**
 * The expression indexes this version wants, by name: [name, CREATE INDEX statement].
 * @returns {[string, string][]}
 */
export function wantedIndexes(entity) {
  return indexedFields(entity).map((name) => {
    const expr = orderExpr(entity, name);
    const index = `e_${entity.name}_x_${name}_${hashOf(expr)}`;
    return [index, `CREATE INDEX IF NOT EXISTS "${index}" ON ${tableOf(entity)} (${expr}, seq)`];
  });
}

/**
 * The SELECT of one page: filters, then the sort (ties oldest first, by seq) and the keyset after the
 * cursor. Sort key values come back as k0, k1, … so the next cursor holds exactly what SQLite compared.
 */
export function listStatement(entity, query, now) {
  const where = ["(expires_at IS NULL OR expires_at > ?)"];
  const args = [now];
  for (const { name, op, value } of query.filters) {
    if (op === "eq") {
      where.push(`${equalsExpr(entity, name)} = ?`);
      args.push(sqlValue(value));
    } else if (op === "in") {
      where.push(`${equalsExpr(entity, name)} IN (${value.map(() => "?").join(", ")})`);
      args.push(...value.map(sqlValue));
    } else if (op === "prefix") {
      // A range, not LIKE or GLOB: the text matches itself (no wildcards, case-sensitive) and an index serves it.
      const upper = prefixUpperBound(value);
      where.push(`${equalsExpr(entity, name)} >= ?`);
      args.push(value);
      if (upper !== null) {
        where.push(`${equalsExpr(entity, name)} < ?`);
        args.push(upper);
      }
    } else if (op === "has") {
      where.push("seq IN (SELECT seq FROM _has WHERE entity = ? AND field = ? AND value = ?)");
      args.push(entity.name, name, sqlValue(value));
    } else if (Object.hasOwn(TIMESTAMP_COLUMNS, name)) {
      where.push(`${TIMESTAMP_COLUMNS[name]} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[op]} ?`);
      args.push(value);
    } else {
      const expr = orderExpr(entity, name);
      where.push(`${expr} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[op]} ?`);
      args.push(value);
      // An empty value compares with nothing.
      if (op === "lt" || op === "lte") where.push(`${expr} > ${EMPTY}`);
    }
  }
  // A search without a sort is ordered by relevance (FTS5's rank: lower is better), ties oldest first.
  const keys =
    query.q && query.sort.length === 0
      ? [{ expr: "s.search_rank", desc: false }]
      : query.sort.map(({ name, desc }) => ({ expr: orderExpr(entity, name), desc }));
  if (keys.length === 0) {
    where.push("seq > ?");
    args.push(query.after);
  } else if (query.cursor) {
    // First, so that SQLite bounds its index range by the cursor rather than by a looser filter.
    const [condition, values] = after(keys, query.cursor.keys, query.cursor.seq, 0);
    where.unshift(condition);
    args.unshift(...values);
  }
  const columns = keys.map((k, i) => `, ${k.expr} AS k${i}`).join("");
  const order = [...keys.map((k) => `${k.expr} ${k.desc ? "DESC" : "ASC"}`), "seq ASC"].join(", ");
  let from = tableOf(entity);
  if (query.q) {
    // The matching rows and their rank, from the search table (search.js); the MATCH text is built from words only.
    const f = searchTableOf(entity);
    from += ` JOIN (SELECT rowid AS search_seq, rank AS search_rank FROM ${f} WHERE ${f} MATCH ?) s ON s.search_seq = seq`;
    args.unshift(query.q.match);
  }
  const sql = `SELECT ${tableOf(entity)}.*${columns} FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?`;
  return { sql, args: [...args, query.limit + 1], size: keys.length };
}

/** Rows strictly after (values, seq) in the order of keys, as nested ranges an index can seek. */
function after(keys, values, seq, i) {
  if (i === keys.length) return ["seq > ?", [seq]];
  const { expr, desc } = keys[i];
  const [rest, restArgs] = after(keys, values, seq, i + 1);
  // EMPTY is written into the statement: bound parameters cannot carry -Infinity through JSON.
  const value = values[i] === null ? EMPTY : "?";
  const bound = values[i] === null ? [] : [values[i]];
  const [atLeast, beyond] = desc ? ["<=", "<"] : [">=", ">"];
  return [`${expr} ${atLeast} ${value} AND (${expr} ${beyond} ${value} OR ${rest})`, [...bound, ...bound, ...restArgs]];
}
