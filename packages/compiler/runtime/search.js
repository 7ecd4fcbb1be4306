/**
 * search.js of every generated app: full-text search (docs/appspec.md, "Data": an entity's `search`
 * and `?q=`) with SQLite FTS5 in the partition's own SQLite, and the `_has` table that `[has]`
 * filters on arrays read. Both are kept in step with the records by SQL triggers on the entity's
 * table: every write (create, update, delete, cascade, expiry purge) updates them in the same
 * statement, whichever version of the runtime made it, so a rollback to a version that knows
 * nothing of them cannot leave them stale. A version whose `search` or array fields differ
 * rebuilds them once, when it first starts on the data.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const MAX_QUERY_WORDS = 32;
const MAX_QUERY_LENGTH = 500;
/** A word: a run of Unicode letters and digits, with an optional `*` right after it (a prefix). */
const WORD = /[\p{L}\p{N}]+(\*?)/gu;

function column(entity, name, row) {
  if (!NAME.test(name)) throw new Error(`not a field name: ${name}`);
  const raw = `json_extract(${row}.data, '$.${name}')`;
  const fallback = entity.fields[name]?.default;
  return typeof fallback === "string" ? `COALESCE(${raw}, '${fallback.replaceAll("'", "''")}')` : raw;
}

export function searchTableOf(entity) {
  return `"f_${entity.name}"`;
}

/** [name, CREATE TRIGGER] of the triggers that keep a side table in step with the entity's table. */
function triggers(entity, kind, insert, remove) {
  const table = `"e_${entity.name}"`;
  const name = (what) => `t_${kind}_${entity.name}_${what}`;
  return [
    [name("ins"), `CREATE TRIGGER "${name("ins")}" AFTER INSERT ON ${table} BEGIN ${insert("new")} END`],
    [
      name("upd"),
      `CREATE TRIGGER "${name("upd")}" AFTER UPDATE OF data ON ${table} BEGIN ${remove("old")} ${insert("new")} END`,
    ],
    [name("del"), `CREATE TRIGGER "${name("del")}" AFTER DELETE ON ${table} BEGIN ${remove("old")} END`],
  ];
}

/** The search table's triggers for this version's `search` (none without it). */
function searchTriggers(entity) {
  const fields = entity.search ?? [];
  if (fields.length === 0) return [];
  const f = searchTableOf(entity);
  const cols = fields.map((n) => `"${n}"`).join(", ");
  return triggers(
    entity,
    "fts",
    (row) =>
      `INSERT INTO ${f} (rowid, ${cols}) VALUES (${row}.seq, ${fields.map((n) => column(entity, n, row)).join(", ")});`,
    (row) => `DELETE FROM ${f} WHERE rowid = ${row}.seq;`,
  );
}

/** The `_has` triggers: one row per array item (entity, field, value, seq). */
function hasTriggers(entity) {
  const arrays = Object.entries(entity.fields)
    .filter(([, field]) => field.type === "array")
    .map(([n]) => n);
  if (arrays.length === 0) return [];
  const e = `'${entity.name}'`;
  return triggers(
    entity,
    "has",
    (row) =>
      arrays
        .map(
          (n) =>
            `INSERT OR IGNORE INTO _has (entity, field, value, seq) SELECT ${e}, '${n}', value, ${row}.seq FROM json_each(${row}.data, '$.${n}') WHERE json_type(${row}.data, '$.${n}') = 'array';`,
        )
        .join(" "),
    (row) => `DELETE FROM _has WHERE entity = ${e} AND seq = ${row}.seq;`,
  );
}

/** Existing triggers of one kind on this entity: name → SQL. */
function existingTriggers(sql, entity, kind) {
  const rows = sql
    .exec(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE ?",
      `e_${entity.name}`,
      `t_${kind}_${entity.name}_%`,
    )
    .toArray();
  return new Map(rows.map((r) => [String(r.name), String(r.sql)]));
}

/** Whether the triggers are as wanted; if not, they are replaced and the caller rebuilds the side table. */
function replaceTriggers(sql, wanted, existing) {
  const same = wanted.length === existing.size && wanted.every(([name, text]) => existing.get(name) === text);
  if (same) return false;
  for (const name of existing.keys()) sql.exec(`DROP TRIGGER IF EXISTS "${name}"`);
  for (const [, text] of wanted) sql.exec(text);
  return true;
}

/**
 * Makes the search table and `_has` rows of an entity what this version wants, on whatever data is
 * there (run in the object's start-up, inside blockConcurrencyWhile). Rebuilt only when changed.
 */
export function migrateSearch(sql, entity) {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS _has (entity TEXT NOT NULL, field TEXT NOT NULL, value, seq INTEGER NOT NULL, PRIMARY KEY (entity, field, value, seq)) WITHOUT ROWID",
  );
  const table = `"e_${entity.name}"`;
  const f = searchTableOf(entity);
  const fields = entity.search ?? [];
  const wantedSearch = searchTriggers(entity);
  if (replaceTriggers(sql, wantedSearch, existingTriggers(sql, entity, "fts"))) {
    sql.exec(`DROP TABLE IF EXISTS ${f}`);
    if (fields.length > 0) {
      const cols = fields.map((n) => `"${n}"`).join(", ");
      sql.exec(`CREATE VIRTUAL TABLE ${f} USING fts5(${cols}, tokenize = "unicode61 remove_diacritics 2")`);
      const values = fields.map((n) => column(entity, n, "t")).join(", ");
      sql.exec(`INSERT INTO ${f} (rowid, ${cols}) SELECT t.seq, ${values} FROM ${table} t`);
    }
  }
  if (replaceTriggers(sql, hasTriggers(entity), existingTriggers(sql, entity, "has"))) {
    sql.exec("DELETE FROM _has WHERE entity = ?", entity.name);
    for (const [n, field] of Object.entries(entity.fields)) {
      if (field.type !== "array") continue;
      sql.exec(
        `INSERT OR IGNORE INTO _has (entity, field, value, seq) SELECT ?, ?, j.value, t.seq FROM ${table} t, json_each(t.data, '$.${n}') j WHERE json_type(t.data, '$.${n}') = 'array'`,
        entity.name,
        n,
      );
    }
  }
}

/**
 * The FTS5 MATCH expression of a `q`, built from its words (never the user's text as FTS5 syntax, so
 * no query can be a syntax error): each word quoted, `*` kept as a prefix, all words required.
 * `{ match }` or `{ problem }`.
 */
export function searchMatch(q) {
  if (q.length > MAX_QUERY_LENGTH) return { problem: `must be at most ${MAX_QUERY_LENGTH} characters` };
  const words = [];
  for (const m of q.normalize("NFC").matchAll(WORD)) {
    const word = m[1] ? m[0].slice(0, -1) : m[0];
    words.push(`"${word}"${m[1]}`);
  }
  if (words.length === 0) return { problem: "must have a word (letters or digits)" };
  if (words.length > MAX_QUERY_WORDS) return { problem: `must have at most ${MAX_QUERY_WORDS} words` };
  return { match: words.join(" ") };
}
