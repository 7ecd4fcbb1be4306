/**
 * query.js of every generated app: the SQL a list runs, from a parsed list query. Records are JSON in
 * `data`; a field reads as `json_extract(data, '$.name')`, as its default when the data predates it,
 * and a datetime as an instant. Defaults are written into the expression as literals, so the same
 * text serves the list query and the expression index that makes it fast (SQLite uses an index on
 * an expression only when the query names the very same expression).
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function tableOf(entity) {
  return `"e_${entity.name}"`;
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

/** What a field sorts and compares by: datetimes as seconds since the epoch, whatever their offset. */
export function orderExpr(entity, name) {
  const value = valueExpr(entity, name);
  return entity.fields[name]?.type === "datetime" ? `unixepoch(${value}, 'subsec')` : value;
}

function sqlValue(value) {
  return typeof value === "boolean" ? Number(value) : value;
}

/** Fields whose expressions are indexed: what lists sort by, compare by range, and follow refs by. */
export function indexedFields(entity) {
  const names = new Set(entity.sortable ?? []);
  for (const [name, field] of Object.entries(entity.fields)) {
    if (["integer", "number", "datetime", "ref"].includes(field.type)) names.add(name);
  }
  return [...names].filter((name) => Object.hasOwn(entity.fields, name));
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
      // Equality compares stored values as they are (a datetime as its text), as in AppSpec v1.
      where.push(`${valueExpr(entity, name)} = ?`);
      args.push(sqlValue(value));
    } else {
      where.push(`${orderExpr(entity, name)} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[op]} ?`);
      args.push(value);
    }
  }
  const keys = query.sort.map(({ name, desc }) => ({ expr: orderExpr(entity, name), desc }));
  if (keys.length === 0) {
    where.push("seq > ?");
    args.push(query.after);
  } else if (query.cursor) {
    const [condition, values] = after(keys, query.cursor.keys, query.cursor.seq, 0);
    where.push(condition);
    args.push(...values);
  }
  const columns = keys.map((k, i) => `, ${k.expr} AS k${i}`).join("");
  const order = [...keys.map((k) => `${k.expr} ${k.desc ? "DESC" : "ASC"}`), "seq ASC"].join(", ");
  const sql = `SELECT *${columns} FROM ${tableOf(entity)} WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?`;
  return { sql, args: [...args, query.limit + 1], size: keys.length };
}

/** Rows strictly after (values, seq) in the order of keys; NULL sorts first, as SQLite sorts it. */
function after(keys, values, seq, i) {
  if (i === keys.length) return ["seq > ?", [seq]];
  const { expr, desc } = keys[i];
  const value = values[i];
  const [rest, restArgs] = after(keys, values, seq, i + 1);
  if (value === null) {
    const beyond = desc ? "0" : `${expr} IS NOT NULL`;
    return [`(${beyond} OR (${expr} IS NULL AND ${rest}))`, restArgs];
  }
  const beyond = desc ? `(${expr} < ? OR ${expr} IS NULL)` : `${expr} > ?`;
  return [`(${beyond} OR (${expr} = ? AND ${rest}))`, [value, value, ...restArgs]];
}
