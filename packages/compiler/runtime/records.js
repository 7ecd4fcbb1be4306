/**
 * records.js of every generated app: the entity operations over one partition's SQLite, for the HTTP
 * routes (app.js) and for anything else that works on records. Each returns plain records or throws
 * an HttpError (validation_failed, not_found, conflict). Stored JSON keeps every field, including
 * those this version does not know: a write only ever sets the fields it knows.
 */
import {
  checkValue,
  currentFields,
  entityByName,
  HttpError,
  mergeStored,
  notFound,
  parseFieldIncrement,
  referencesTo,
  SPEC,
  shapeRecord,
  uniqueKeys,
  validateCreate,
  validatePatch,
  validationFailed,
} from "./model.js";
import { isOwned, ownedTarget, readableBy } from "./owners.js";
import { cursorKey, equalsExpr, listStatement, tableOf, tableStatements, wantedIndexes } from "./query.js";
import { migrateSearch } from "./search.js";

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

export class Records {
  /** @param {DurableObjectStorage} storage */
  constructor(storage) {
    this.storage = storage;
    this.sql = storage.sql;
    /** Told of file values whose record or field went: (entity name, id, stored data, only these fields?). */
    this.onGone = null;
  }

  /** Tables, indexes and the unique index as this version wants them, on whatever data is there. */
  migrate() {
    this.sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _unique (entity TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (entity, field, value))",
    );
    for (const entity of SPEC.entities) {
      for (const statement of tableStatements(entity)) this.sql.exec(statement);
      this.migrateIndexes(entity);
      migrateSearch(this.sql, entity);
    }
    // When the unique rules changed since the last version, the index is rebuilt from the data.
    const rules = JSON.stringify(SPEC.entities.map((e) => [e.name, uniqueKeys(e)]));
    const known = this.sql.exec("SELECT value FROM _meta WHERE key = 'unique_rules'").toArray()[0];
    if (known?.value !== rules) {
      this.sql.exec("DELETE FROM _unique");
      for (const entity of SPEC.entities) {
        for (const row of this.sql.exec(`SELECT id, data FROM ${tableOf(entity)} ORDER BY seq`)) {
          const data = JSON.parse(String(row.data));
          const values = { ...currentFields(entity, data), ownerId: data.ownerId };
          for (const key of uniqueKeys(entity)) {
            const value = uniqueValue(key, values, entity);
            if (value === null) continue;
            this.sql.exec(
              "INSERT OR IGNORE INTO _unique (entity, field, value, id) VALUES (?, ?, ?, ?)",
              entity.name,
              key.join(","),
              value,
              row.id,
            );
          }
        }
      }
      this.sql.exec("INSERT OR REPLACE INTO _meta (key, value) VALUES ('unique_rules', ?)", rules);
    }
  }

  /** Creates the expression indexes this version lists by and drops those of other versions. */
  migrateIndexes(entity) {
    const wanted = new Map(wantedIndexes(entity));
    // Matched in JS, not with LIKE: SQLite refuses LIKE patterns over 50 bytes (a 63-character entity
    // name), and `_` in a name would be a wildcard there.
    const prefix = `e_${entity.name}_x_`;
    const existing = this.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", `e_${entity.name}`)
      .toArray()
      .map((r) => String(r.name))
      .filter((name) => name.startsWith(prefix));
    for (const name of existing) if (!wanted.has(name)) this.sql.exec(`DROP INDEX "${name}"`);
    for (const statement of wanted.values()) this.sql.exec(statement);
  }

  /** A record that exists and has not expired, or 404. */
  row(entity, id) {
    const row = this.sql.exec(`SELECT * FROM ${tableOf(entity)} WHERE id = ? AND ${LIVE}`, id, Date.now()).toArray()[0];
    if (!row) throw notFound(`${entity.name} ${id}`);
    return row;
  }

  get(entity, id) {
    return shapeRecord(entity, this.row(entity, id));
  }

  /**
   * The new record; its `expiresAt` (ms) tells the caller to schedule expiry. `scope` (v3): the
   * `ownerId` of a record of an owned entity, and the `viewer` whose refs must be readable
   * (HTTP routes; absent for actions, which are not scoped); `id`, a new random id chosen by the
   * caller (a multipart create streams its files to the record's keys before the record exists).
   */
  create(entity, body, scope = {}) {
    const values = validateCreate(entity, body);
    if (isOwned(entity)) {
      if (typeof scope.ownerId !== "string" || scope.ownerId.length === 0 || scope.ownerId.length > 200)
        throw validationFailed([{ path: "ownerId", message: "an owned record needs an ownerId (a signed-in user)" }]);
      values.ownerId = scope.ownerId;
    }
    this.checkRefs(entity, values, Object.keys(values), scope.viewer);
    const now = new Date().toISOString();
    const id = scope.id ?? crypto.randomUUID();
    const expiresAt = entity.ttlSeconds ? Date.parse(now) + entity.ttlSeconds * 1000 : null;
    this.storage.transactionSync(() => {
      this.claimUnique(entity, id, values);
      this.sql.exec(
        `INSERT INTO ${tableOf(entity)} (id, data, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        id,
        JSON.stringify(values),
        now,
        now,
        expiresAt,
      );
    });
    return { record: { id, ...values, createdAt: now, updatedAt: now }, expiresAt };
  }

  update(entity, id, body, viewer) {
    const changes = validatePatch(entity, body);
    const row = this.row(entity, id);
    this.checkRefs(entity, changes, Object.keys(changes), viewer);
    return this.write(entity, row, changes);
  }

  /** Adds `by` to a number field in one step; 409 and no change when the result would break min or max. */
  increment(entity, id, body) {
    const { name, field, by } = parseFieldIncrement(entity, body);
    const row = this.row(entity, id);
    const current = currentFields(entity, JSON.parse(String(row.data)))[name] ?? 0;
    const next = current + by;
    const bound =
      field.min !== undefined && next < field.min ? "min" : field.max !== undefined && next > field.max ? "max" : null;
    if (bound || (field.type === "integer" && !Number.isSafeInteger(next)) || !Number.isFinite(next)) {
      const why = bound ? `would take ${name} to ${next}, past its ${bound} ${field[bound]}` : `would overflow ${name}`;
      throw new HttpError(409, "conflict", `${entity.name} ${id}: ${why}`, [{ path: name, message: why }]);
    }
    return this.write(entity, row, { [name]: next });
  }

  /** Writes changes over a stored record, keeping every field this version does not know. */
  write(entity, row, changes) {
    const stored = JSON.parse(String(row.data));
    const cleared = Object.keys(changes).filter((n) => changes[n] === null && entity.fields[n]?.type === "file");
    if (cleared.length > 0) this.onGone?.(entity.name, String(row.id), stored, cleared);
    const values = { ...currentFields(entity, stored), ...changes };
    // An owned record keeps its owner: no write changes it.
    if (isOwned(entity)) values.ownerId = stored.ownerId ?? null;
    const updatedAt = new Date().toISOString();
    this.storage.transactionSync(() => {
      this.claimUnique(entity, String(row.id), values);
      this.sql.exec(
        `UPDATE ${tableOf(entity)} SET data = ?, updated_at = ? WHERE id = ?`,
        JSON.stringify(mergeStored(stored, values)),
        updatedAt,
        row.id,
      );
    });
    return { id: row.id, ...values, createdAt: row.created_at, updatedAt };
  }

  /**
   * Deletes a record and, through `cascade` refs, the records that point at it (and theirs); 409 and
   * nothing deleted while a `restrict` ref points at any of them.
   */
  remove(entity, id) {
    this.row(entity, id);
    const doomed = new Map([[`${entity.name}/${id}`, [entity, id]]]);
    const queue = [[entity, id]];
    while (queue.length > 0) {
      const [parent, parentId] = queue.shift();
      for (const [child, name, field] of referencesTo(parent)) {
        const rows = this.sql
          .exec(
            `SELECT id FROM ${tableOf(child)} WHERE ${equalsExpr(child, name)} = ? AND ${LIVE}`,
            parentId,
            Date.now(),
          )
          .toArray();
        for (const { id: childId } of rows) {
          const key = `${child.name}/${childId}`;
          if (doomed.has(key)) continue;
          if ((field.onDelete ?? "restrict") === "restrict") {
            const message = `${parent.name} ${parentId} is still referenced by ${child.name} ${childId} (${name})`;
            throw new HttpError(409, "conflict", message, [
              { path: `${child.plural}.${name}`, message: "restricts deletion" },
            ]);
          }
          doomed.set(key, [child, childId]);
          queue.push([child, childId]);
        }
      }
    }
    this.storage.transactionSync(() => this.deleteRows(doomed.values()));
  }

  /** Deletes records and what is kept beside them ([entity, id] pairs): a delete's and an account deletion's last step. */
  deleteRows(doomed) {
    for (const [target, targetId] of doomed) {
      // Its files go too, those of fields this version no longer knows included.
      for (const row of this.sql.exec(`DELETE FROM ${tableOf(target)} WHERE id = ? RETURNING data`, targetId))
        this.onGone?.(target.name, targetId, JSON.parse(String(row.data)));
      this.sql.exec("DELETE FROM _unique WHERE entity = ? AND id = ?", target.name, targetId);
    }
  }

  /** One page of a parsed list query (model.js parseListQuery): { items, nextCursor }. */
  list(entity, query, encodeNext) {
    const { sql, args, size } = listStatement(entity, query, Date.now());
    const rows = this.sql.exec(sql, ...args).toArray();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const keys = last ? Array.from({ length: size }, (_, i) => cursorKey(last[`k${i}`])) : [];
    return {
      items: page.map((row) => shapeRecord(entity, row)),
      nextCursor: rows.length > query.limit ? encodeNext(Number(last.seq), keys) : null,
    };
  }

  /**
   * 400 naming each ref field whose value is not the id of a live record of its entity in this
   * partition; with a `viewer` (HTTP routes, v3), a record of an owned entity the viewer cannot
   * read counts as missing.
   */
  checkRefs(entity, values, names, viewer) {
    const details = [];
    for (const name of names) {
      const field = entity.fields[name];
      if (field?.type !== "ref" || values[name] === null || values[name] === undefined) continue;
      const target = entityByName(field.entity);
      const row =
        target &&
        this.sql
          .exec(`SELECT data FROM ${tableOf(target)} WHERE id = ? AND ${LIVE}`, values[name], Date.now())
          .toArray()[0];
      const found = Boolean(row) && (viewer === undefined || !ownedTarget(field) || readableBy(target, row, viewer));
      if (!found) details.push({ path: name, message: `no ${field.entity} with id ${values[name]}` });
    }
    if (details.length > 0) throw validationFailed(details);
  }

  /** Takes the unique values of a record, or throws 409 when a live record holds one of them. */
  claimUnique(entity, id, values) {
    for (const key of uniqueKeys(entity)) {
      const field = key.join(",");
      this.sql.exec("DELETE FROM _unique WHERE entity = ? AND field = ? AND id = ?", entity.name, field, id);
      const value = uniqueValue(key, values, entity);
      if (value === null) continue;
      const holder = this.sql
        .exec("SELECT id FROM _unique WHERE entity = ? AND field = ? AND value = ?", entity.name, field, value)
        .toArray()[0];
      if (holder) {
        const alive =
          this.sql.exec(`SELECT 1 FROM ${tableOf(entity)} WHERE id = ? AND ${LIVE}`, holder.id, Date.now()).toArray()
            .length > 0;
        if (alive) {
          const what = key.length === 1 ? `this ${field}` : `these values of ${key.join(", ")}`;
          const message = key.length === 1 ? "must be unique" : `must be unique together with ${key.join(", ")}`;
          throw new HttpError(
            409,
            "conflict",
            `${entity.name} with ${what} already exists`,
            key.map((path) => ({ path, message })),
          );
        }
      }
      this.sql.exec(
        "INSERT OR REPLACE INTO _unique (entity, field, value, id) VALUES (?, ?, ?, ?)",
        entity.name,
        field,
        value,
        id,
      );
    }
  }

  /** Live records of every entity of this version, whatever routes its spec exposes. */
  count() {
    let total = 0;
    for (const entity of SPEC.entities)
      total += Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ${tableOf(entity)} WHERE ${LIVE}`, Date.now()).one().n);
    return total;
  }

  /**
   * What the stored data breaks under another version's spec: its unique keys and refs, checked
   * before that version goes live (the deploy stage asks through the host, never the public). With
   * `values` (a rollback, which no contract diff guards), each stored value is also held to the
   * spec's field rules: required without a default, enum values, ranges, lengths, patterns.
   */
  violations(spec, { values: checkValues = false } = {}) {
    const problems = [];
    const tables = new Set(
      this.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => String(r.name)),
    );
    const rows = (entity) =>
      tables.has(`e_${entity.name}`)
        ? this.sql.exec(`SELECT id, data FROM ${tableOf(entity)} WHERE ${LIVE} ORDER BY seq`, Date.now())
        : [];
    const ids = new Map();
    const idsOf = (name) => {
      if (!ids.has(name)) {
        const entity = spec.entities.find((e) => e.name === name);
        ids.set(name, new Set(entity ? Array.from(rows(entity), (r) => String(r.id)) : []));
      }
      return ids.get(name);
    };
    spec.entities.forEach((entity, i) => {
      const keys = (entity.unique ?? []).map((key) => (Array.isArray(key) ? key : [key]));
      const refs = Object.entries(entity.fields).filter(([, f]) => f.type === "ref");
      const checked = checkValues ? Object.entries(entity.fields).filter(([, f]) => SCALAR_TYPES.has(f.type)) : [];
      if (keys.length === 0 && refs.length === 0 && checked.length === 0) return;
      const seen = keys.map(() => new Map());
      for (const row of rows(entity)) {
        const data = JSON.parse(String(row.data));
        const values = { ...currentFields(entity, data), ownerId: data.ownerId };
        keys.forEach((key, j) => {
          const value = uniqueValue(key, values, entity);
          if (value === null) return;
          const other = seen[j].get(value);
          if (other === undefined) seen[j].set(value, row.id);
          else if (problems.length < 20)
            problems.push({
              path: `spec.entities.${i}.unique.${j}`,
              message: `${entity.name} ${other} and ${row.id} share ${key.join(", ")} = ${value}`,
            });
        });
        for (const [name, field] of checked) {
          const value = values[name];
          const problem = value === null ? (field.required ? "is required and empty" : null) : checkValue(field, value);
          if (problem && problems.length < 20)
            problems.push({
              path: `spec.entities.${i}.fields.${name}`,
              message: `${entity.name} ${row.id}: ${name} ${problem}`,
            });
        }
        for (const [name, field] of refs) {
          const value = values[name];
          if (value !== null && value !== undefined && !idsOf(field.entity).has(value) && problems.length < 20)
            problems.push({
              path: `spec.entities.${i}.fields.${name}`,
              message: `${entity.name} ${row.id} refers to ${field.entity} ${value}, which does not exist`,
            });
        }
      }
    });
    return problems;
  }
}

/** Field types whose stored values a rollback holds to the target spec's rules (checkValue). */
const SCALAR_TYPES = new Set(["string", "integer", "number", "boolean", "enum", "datetime", "ref"]);

/**
 * The unique index value of a key (JSON), or null when a field of it is empty: empty values never
 * collide. Keys of an owned entity hold per owner (v3): the owner is part of the value.
 */
function uniqueValue(key, values, entity) {
  const parts = key.map((name) => values[name] ?? null);
  if (parts.some((v) => v === null)) return null;
  const value = JSON.stringify(key.length === 1 ? parts[0] : parts);
  return isOwned(entity) ? `${JSON.stringify(values.ownerId ?? null)}:${value}` : value;
}
