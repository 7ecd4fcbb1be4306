/** app.js of every generated app: the Durable Object that serves the contract from SQLite. */
import { DurableObject } from "cloudflare:workers";
import { matchAction, runAction, storageApi } from "./actions.js";
import {
  currentFields,
  encodeCursor,
  entityByPlural,
  errorBody,
  HttpError,
  invalidJson,
  MAX_BODY_BYTES,
  methodNotAllowed,
  notFound,
  operationsOf,
  parseIncrement,
  parseListQuery,
  SPEC,
  shapeRecord,
  tooLarge,
  validateCreate,
  validatePatch,
} from "./model.js";

const ROUTE_METHODS = {
  collection: [
    ["POST", "create"],
    ["GET", "list"],
  ],
  item: [
    ["GET", "get"],
    ["PATCH", "update"],
    ["DELETE", "delete"],
  ],
};

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function tableOf(entity) {
  return `"e_${entity.name}"`;
}

/** Reads a JSON body; undefined when there is none and none is required. */
async function readJson(request, required) {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) throw tooLarge();
  if (text.trim() === "") {
    if (required) throw invalidJson();
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson();
  }
}

/**
 * One partition of the app: every record, counter and rate-limit window lives in this object's
 * SQLite. Records are stored as JSON so that a later version of the spec can add fields; the
 * tables are created if missing, so a new version starts on the data of the old one.
 */
export class App extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // A host that cannot give the app alarms (a facet) says so; expired rows are then purged as requests come.
    this.alarmsUnavailable = env?.EXPIRY === "on-request";
    /** What an action's ctx reaches storage through (actions.js), built on the first action request. */
    this.actionStorage = null;
    ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      await this.scheduleExpiry();
    });
  }

  migrate() {
    this.sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _unique (entity TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (entity, field, value))",
    );
    this.sql.exec("CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _rate (bucket TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
    );
    for (const entity of SPEC.entities) {
      this.sql.exec(
        "CREATE TABLE IF NOT EXISTS " +
          tableOf(entity) +
          " (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at INTEGER)",
      );
      this.sql.exec(
        'CREATE INDEX IF NOT EXISTS "e_' +
          entity.name +
          '_expiry" ON ' +
          tableOf(entity) +
          " (expires_at) WHERE expires_at IS NOT NULL",
      );
    }
    // When the unique rules changed since the last version, the index is rebuilt from the data.
    const rules = JSON.stringify(SPEC.entities.map((e) => [e.name, e.unique ?? []]));
    const known = this.sql.exec("SELECT value FROM _meta WHERE key = 'unique_rules'").toArray()[0];
    if (known?.value !== rules) {
      this.sql.exec("DELETE FROM _unique");
      for (const entity of SPEC.entities) {
        for (const row of this.sql.exec(`SELECT id, data FROM ${tableOf(entity)} ORDER BY seq`).toArray()) {
          const values = currentFields(entity, JSON.parse(row.data));
          for (const field of entity.unique ?? []) {
            if (values[field] === null) continue;
            this.sql.exec(
              "INSERT OR IGNORE INTO _unique (entity, field, value, id) VALUES (?, ?, ?, ?)",
              entity.name,
              field,
              JSON.stringify(values[field]),
              row.id,
            );
          }
        }
      }
      this.sql.exec("INSERT OR REPLACE INTO _meta (key, value) VALUES ('unique_rules', ?)", rules);
    }
  }

  /** @override */
  async fetch(request) {
    try {
      return await this.route(request);
    } catch (err) {
      if (err instanceof HttpError) return json(err.status, errorBody(err), err.headers);
      return json(500, { error: { code: "internal_error", message: "internal error", details: [] } });
    }
  }

  async route(request) {
    if (SPEC.rateLimit) this.rateLimit(request);
    if (this.alarmsUnavailable && Date.now() - (this.lastPurge ?? 0) > 1000) this.purgeExpired();
    const url = new URL(request.url);
    let parts;
    try {
      parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      throw notFound("route");
    }
    // Actions first (docs/appspec.md): a path of an action with another method is 405 unless an entity route has it.
    const action = matchAction(request.method, parts);
    if (action.action) {
      this.actionStorage ??= storageApi(this);
      return runAction(this.actionStorage, action, request, url, (req) => readJson(req, true));
    }
    if (action.allow.length > 0 && parts[0] !== "counters" && !entityByPlural(parts[0]))
      throw methodNotAllowed(action.allow);
    if (parts[0] === "counters" && parts.length >= 2) return this.counter(request, parts);
    const entity = parts.length <= 2 ? entityByPlural(parts[0]) : null;
    if (!entity) throw notFound(`route ${url.pathname}`);
    const ops = operationsOf(entity);
    const allowed = ROUTE_METHODS[parts.length === 1 ? "collection" : "item"].filter(([, op]) => ops.includes(op));
    if (allowed.length === 0) throw notFound(`route ${url.pathname}`);
    const match = allowed.find(([method]) => method === request.method);
    if (!match) throw methodNotAllowed(allowed.map(([method]) => method));
    const id = parts[1];
    switch (match[1]) {
      case "create":
        return this.create(entity, await readJson(request, true));
      case "list":
        return this.list(entity, url.searchParams);
      case "get":
        return json(200, shapeRecord(entity, this.live(entity, id)));
      case "update":
        return this.update(entity, id, await readJson(request, true));
      case "delete":
        return this.remove(entity, id);
    }
  }

  /** A record that exists and has not expired, or 404. */
  live(entity, id) {
    const row = this.sql
      .exec(`SELECT * FROM ${tableOf(entity)} WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`, id, Date.now())
      .toArray()[0];
    if (!row) throw notFound(`${entity.name} ${id}`);
    return row;
  }

  async create(entity, body) {
    const values = validateCreate(entity, body);
    const now = new Date();
    const id = crypto.randomUUID();
    const expiresAt = entity.ttlSeconds ? now.getTime() + entity.ttlSeconds * 1000 : null;
    this.ctx.storage.transactionSync(() => {
      this.claimUnique(entity, id, values);
      this.sql.exec(
        `INSERT INTO ${tableOf(entity)} (id, data, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        id,
        JSON.stringify(values),
        now.toISOString(),
        now.toISOString(),
        expiresAt,
      );
    });
    if (expiresAt !== null) await this.scheduleExpiry();
    return json(201, { id, ...values, createdAt: now.toISOString(), updatedAt: now.toISOString() });
  }

  async update(entity, id, body) {
    const changes = validatePatch(entity, body);
    const row = this.live(entity, id);
    const values = { ...currentFields(entity, JSON.parse(row.data)), ...changes };
    const updatedAt = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      this.claimUnique(entity, id, values);
      this.sql.exec(
        `UPDATE ${tableOf(entity)} SET data = ?, updated_at = ? WHERE id = ?`,
        JSON.stringify(values),
        updatedAt,
        id,
      );
    });
    return json(200, { id, ...values, createdAt: row.created_at, updatedAt });
  }

  remove(entity, id) {
    this.live(entity, id);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`DELETE FROM ${tableOf(entity)} WHERE id = ?`, id);
      this.sql.exec("DELETE FROM _unique WHERE entity = ? AND id = ?", entity.name, id);
    });
    return new Response(null, { status: 204 });
  }

  list(entity, params) {
    const { limit, after, filters } = parseListQuery(entity, params);
    let where = "seq > ? AND (expires_at IS NULL OR expires_at > ?)";
    /** @type {unknown[]} */
    const args = [after, Date.now()];
    for (const [name, value] of filters) {
      // A field the stored data predates matches as its default.
      const fallback = entity.fields[name].default ?? null;
      where += " AND COALESCE(json_extract(data, ?), ?) = ?";
      args.push(
        `$.${name}`,
        typeof fallback === "boolean" ? Number(fallback) : fallback,
        typeof value === "boolean" ? Number(value) : value,
      );
    }
    const rows = this.sql
      .exec(`SELECT * FROM ${tableOf(entity)} WHERE ${where} ORDER BY seq LIMIT ?`, ...args, limit + 1)
      .toArray();
    const page = rows.slice(0, limit);
    return json(200, {
      items: page.map((row) => shapeRecord(entity, row)),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].seq) : null,
    });
  }

  /** Takes the unique values of a record, or throws 409 when a live record holds one of them. */
  claimUnique(entity, id, values) {
    for (const field of entity.unique ?? []) {
      this.sql.exec("DELETE FROM _unique WHERE entity = ? AND field = ? AND id = ?", entity.name, field, id);
      if (values[field] === null || values[field] === undefined) continue;
      const value = JSON.stringify(values[field]);
      const holder = this.sql
        .exec("SELECT id FROM _unique WHERE entity = ? AND field = ? AND value = ?", entity.name, field, value)
        .toArray()[0];
      if (holder) {
        const alive =
          this.sql
            .exec(
              `SELECT 1 FROM ${tableOf(entity)} WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)`,
              holder.id,
              Date.now(),
            )
            .toArray().length > 0;
        if (alive) {
          throw new HttpError(409, "conflict", `${entity.name} with this ${field} already exists`, [
            { path: field, message: "must be unique" },
          ]);
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

  async counter(request, parts) {
    const counter = (SPEC.counters ?? []).find((c) => c.name === parts[1]);
    if (!counter || parts.length > 3 || (parts.length === 3 && parts[2] !== "increment"))
      throw notFound(`counter ${parts[1]}`);
    if (parts.length === 2) {
      if (request.method !== "GET") throw methodNotAllowed(["GET"]);
      const row = this.sql.exec("SELECT value FROM _counters WHERE name = ?", counter.name).toArray()[0];
      return json(200, { name: counter.name, value: row ? row.value : 0 });
    }
    if (request.method !== "POST") throw methodNotAllowed(["POST"]);
    const by = parseIncrement(await readJson(request, false));
    const { value } = this.sql
      .exec(
        "INSERT INTO _counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value",
        counter.name,
        by,
      )
      .one();
    return json(200, { name: counter.name, value });
  }

  /** A fixed window per value of the key header, across every route of this object. */
  rateLimit(request) {
    const { requests, windowSeconds, keyHeader } = SPEC.rateLimit;
    const bucket = keyHeader ? (request.headers.get(keyHeader) ?? "").slice(0, 256) : "";
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const windowStart = now - (now % windowMs);
    const row = this.sql.exec("SELECT window_start, count FROM _rate WHERE bucket = ?", bucket).toArray()[0];
    if (!row || row.window_start !== windowStart) {
      this.sql.exec("DELETE FROM _rate WHERE window_start < ?", windowStart);
      this.sql.exec("INSERT OR REPLACE INTO _rate (bucket, window_start, count) VALUES (?, ?, 1)", bucket, windowStart);
      return;
    }
    if (row.count >= requests) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
      throw new HttpError(429, "rate_limited", `at most ${requests} requests per ${windowSeconds} s`, [], {
        "retry-after": String(retryAfter),
      });
    }
    this.sql.exec("UPDATE _rate SET count = count + 1 WHERE bucket = ?", bucket);
  }

  /** Deletes expired records (and their unique values), then waits for the next expiry. */
  /** @override */
  async alarm() {
    this.purgeExpired();
    await this.scheduleExpiry();
  }

  purgeExpired() {
    const now = Date.now();
    this.lastPurge = now;
    for (const entity of SPEC.entities.filter((e) => e.ttlSeconds)) {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          "DELETE FROM _unique WHERE entity = ? AND id IN (SELECT id FROM " +
            tableOf(entity) +
            " WHERE expires_at <= ?)",
          entity.name,
          now,
        );
        this.sql.exec(`DELETE FROM ${tableOf(entity)} WHERE expires_at <= ?`, now);
      });
    }
  }

  async scheduleExpiry() {
    let next = null;
    for (const entity of SPEC.entities.filter((e) => e.ttlSeconds)) {
      const { at } = this.sql.exec(`SELECT MIN(expires_at) AS at FROM ${tableOf(entity)}`).one();
      if (at !== null && (next === null || at < next)) next = at;
    }
    if (next !== null && !this.alarmsUnavailable) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
