/**
 * actions.js of every generated app: custom routes with code (docs/appspec.md, "actions"). An
 * action is matched before the entity routes and runs its module's default export with `ctx`,
 * which reaches the partition's data through the same rules (and errors) as the HTTP routes.
 */
import { filesApi, readFileField } from "./files.js";
import { HANDLERS } from "./handlers.js";
import {
  encodeCursor,
  encodeSortCursor,
  HttpError,
  isPlainObject,
  parseListQuery,
  SPEC,
  validationFailed,
} from "./model.js";

const ERROR_CODE = /^[a-z][a-z0-9_]{1,40}$/;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
const KV_LIST_LIMIT = 1000;
const KV_MAX_KEY = 512;
const KV_MAX_VALUE_BYTES = 1024 * 1024;

/** Segments of each action's path, worked out once: literals, or null for a `:param`. */
const ROUTES = (SPEC.actions ?? []).map((action) => ({
  action,
  segments: action.path.split("/").filter(Boolean),
}));

function matches(route, parts) {
  if (route.segments.length !== parts.length) return null;
  // No prototype: a parameter may be named `__proto__` and is then just a parameter.
  const params = Object.create(null);
  for (let i = 0; i < parts.length; i++) {
    const segment = route.segments[i];
    if (segment.startsWith(":")) params[segment.slice(1)] = parts[i];
    else if (segment !== parts[i]) return null;
  }
  return params;
}

/**
 * The action for a request: `{ action, params }`, or `{ allow }` with the methods of the actions
 * whose path matches when none has this method (empty when no action has this path).
 */
export function matchAction(method, parts) {
  const allow = [];
  for (const route of ROUTES) {
    const params = matches(route, parts);
    if (!params) continue;
    if (route.action.method === method || (method === "HEAD" && route.action.method === "GET"))
      return { action: route.action, params };
    allow.push(route.action.method);
  }
  return { allow };
}

function withHeaders(contentType, headers) {
  const h = new Headers(headers ?? {});
  if (contentType && !h.has("content-type")) h.set("content-type", contentType);
  return h;
}

function checkStatus(status, what) {
  if (!Number.isInteger(status) || status < 200 || status > 599)
    throw new TypeError(what + ": status must be an integer from 200 to 599");
  return status;
}

/** The response helpers of ctx; each returns a Response the action returns. */
const RESPONSES = {
  json(value, status = 200, headers) {
    return new Response(JSON.stringify(value), {
      status: checkStatus(status, "ctx.json"),
      headers: withHeaders("application/json", headers),
    });
  },
  text(s, status = 200, headers) {
    return new Response(String(s), {
      status: checkStatus(status, "ctx.text"),
      headers: withHeaders("text/plain; charset=utf-8", headers),
    });
  },
  html(s, status = 200, headers) {
    return new Response(String(s), {
      status: checkStatus(status, "ctx.html"),
      headers: withHeaders("text/html; charset=utf-8", headers),
    });
  },
  redirect(url, status = 302) {
    if (!REDIRECT_STATUSES.includes(status))
      throw new TypeError("ctx.redirect: status must be one of " + REDIRECT_STATUSES.join(", "));
    return new Response(null, { status, headers: { location: String(url) } });
  },
  error(status, code, message, details = []) {
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new TypeError("ctx.error: status must be an integer from 400 to 599");
    if (typeof code !== "string" || !ERROR_CODE.test(code))
      throw new TypeError("ctx.error: code must match " + ERROR_CODE.source);
    throw new HttpError(status, code, String(message ?? code), Array.isArray(details) ? details : [details]);
  },
};

/** `where` and `sort` of ctx.entities.x.list() as the query the HTTP list route reads, so both validate alike. */
function listQuery(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object") throw validationFailed([{ path: "", message: "list options must be an object" }]);
  const query = new URLSearchParams();
  for (const [field, value] of Object.entries(options.where ?? {})) {
    if (value !== null && typeof value === "object") {
      for (const [op, bound] of Object.entries(value)) {
        // `in` takes an array; its values travel percent-encoded, as a query string's would (data.js splitIn).
        if (op === "in") {
          if (!Array.isArray(bound))
            throw validationFailed([{ path: field + "[in]", message: "in takes an array of values" }]);
          query.append(field + "[in]", bound.map((v) => encodeURIComponent(String(v))).join(","));
        } else query.append(field + "[" + op + "]", String(bound));
      }
    } else query.append(field, String(value));
  }
  if (options.q !== undefined && options.q !== null) query.set("q", String(options.q));
  if (options.sort !== undefined) query.set("sort", String(options.sort));
  if (options.limit !== undefined) query.set("limit", String(options.limit));
  if (options.cursor !== undefined && options.cursor !== null) query.set("cursor", String(options.cursor));
  return query;
}

/** One page of a list, its cursors encoded as the HTTP list route encodes them (app.js). */
function listPage(app, entity, options) {
  const query = parseListQuery(entity, listQuery(options));
  const next = (seq, keys) => (query.keyed ? encodeSortCursor(query.sortText, keys, seq) : encodeCursor(seq));
  return app.records.list(entity, query, next);
}

/** Every operation of every entity over the app's Records, as the HTTP routes run them (same validation and errors). */
function entitiesApi(app) {
  const api = {};
  for (const entity of SPEC.entities) {
    // Actions may use every operation, whatever the entity's `operations` offer over HTTP.
    api[entity.plural] = Object.freeze({
      // `owner` (v3): the ownerId of a record of an owned entity when its values name none (ctx.user's id).
      create: async (values, owner) => {
        let ownerId = owner;
        if (entity.owner === "user" && isPlainObject(values) && Object.hasOwn(values, "ownerId")) {
          ({ ownerId, ...values } = values);
        }
        const { record, expiresAt } = app.records.create(entity, values, { ownerId });
        if (expiresAt !== null) await app.scheduleExpiry();
        return record;
      },
      get: async (id) => app.records.get(entity, String(id)),
      update: async (id, changes) => app.records.update(entity, String(id), changes),
      delete: async (id) => {
        app.records.remove(entity, String(id));
      },
      list: async (options) => listPage(app, entity, options),
      increment: async (id, field, by = 1) => app.records.increment(entity, String(id), { field, by }),
      file: async (id, field) => readFileField(app, entity, id, field),
    });
  }
  return Object.freeze(api);
}

/** The spec's counters, as the HTTP counter routes keep them (app.js `counter`). */
function countersApi(sql) {
  const api = {};
  for (const counter of SPEC.counters ?? []) {
    api[counter.name] = Object.freeze({
      get: async () => sql.exec("SELECT value FROM _counters WHERE name = ?", counter.name).toArray()[0]?.value ?? 0,
      increment: async (by = 1) => {
        if (!Number.isSafeInteger(by)) throw validationFailed([{ path: "by", message: "must be an integer" }]);
        const upsert =
          "INSERT INTO _counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value";
        return sql.exec(upsert, counter.name, by).one().value;
      },
    });
  }
  return Object.freeze(api);
}

/** kv refuses as the entities do: its errors are answered as themselves (400 validation_failed naming what). */
function kvInvalid(path, message) {
  return new HttpError(400, "validation_failed", message, [{ path, message }]);
}

function checkKey(key, what) {
  if (typeof key !== "string" || key.length === 0 || key.length > KV_MAX_KEY)
    throw kvInvalid("key", `${what}: key must be a string of 1 to ${KV_MAX_KEY} characters`);
}

/** JSON values per partition, in this object's SQLite, with an optional time to live. */
function kvApi(sql) {
  sql.exec("CREATE TABLE IF NOT EXISTS _kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)");
  sql.exec("CREATE INDEX IF NOT EXISTS _kv_expiry ON _kv (expires_at) WHERE expires_at IS NOT NULL");
  const live = "(expires_at IS NULL OR expires_at > ?)";
  return Object.freeze({
    async get(key) {
      checkKey(key, "ctx.kv.get");
      const row = sql.exec("SELECT value FROM _kv WHERE key = ? AND " + live, key, Date.now()).toArray()[0];
      return row ? JSON.parse(row.value) : undefined;
    },
    async put(key, value, options = {}) {
      checkKey(key, "ctx.kv.put");
      const text = value === undefined ? undefined : JSON.stringify(value);
      if (text === undefined) throw kvInvalid("value", "ctx.kv.put: value must be a JSON value");
      if (text.length > KV_MAX_VALUE_BYTES) throw kvInvalid("value", "ctx.kv.put: value is larger than 1 MiB as JSON");
      const ttl = options?.ttlSeconds;
      if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0))
        throw kvInvalid("ttlSeconds", "ctx.kv.put: ttlSeconds must be a positive number");
      const now = Date.now();
      // Expired entries go a few at a time, so no put pays for a large sweep.
      sql.exec("DELETE FROM _kv WHERE key IN (SELECT key FROM _kv WHERE expires_at <= ? LIMIT 100)", now);
      sql.exec(
        "INSERT OR REPLACE INTO _kv (key, value, expires_at) VALUES (?, ?, ?)",
        key,
        text,
        ttl === undefined ? null : now + ttl * 1000,
      );
    },
    async delete(key) {
      checkKey(key, "ctx.kv.delete");
      sql.exec("DELETE FROM _kv WHERE key = ?", key);
    },
    async list(prefix = "") {
      if (typeof prefix !== "string") throw kvInvalid("prefix", "ctx.kv.list: prefix must be a string");
      // Keys from the prefix up to the prefix followed by the highest code point, in key order.
      const rows = sql
        .exec(
          "SELECT key, value FROM _kv WHERE key >= ? AND key < ? AND " + live + " ORDER BY key LIMIT ?",
          prefix,
          prefix + "\u{10FFFF}",
          Date.now(),
          KV_LIST_LIMIT,
        )
        .toArray();
      return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) }));
    },
  });
}

function outboundBlocked(origin) {
  const message = "outbound_blocked: fetch to " + origin + " is refused: it is not one of the app's outbound origins";
  return Object.assign(new Error(message), { code: "outbound_blocked" });
}

/**
 * ctx.secrets and ctx.fetch, through the app's platform (env.PLATFORM): locally the host's AppPlatform,
 * which reads the secrets and makes the allowed calls from outside the sandbox; on Cloudflare the one
 * the sandbox's entry module builds over the Worker's secrets and the guard's allow-listed fetch (the
 * global fetch reaches nothing, there as here). The allow-list is checked here too, so a refusal
 * carries its code; the platform checks it again whatever this code does.
 */
function outsideApi(env) {
  const platform = env && typeof env.PLATFORM === "object" && env.PLATFORM !== null ? env.PLATFORM : null;
  const declared = SPEC.secrets ?? [];
  const allowed = SPEC.outbound ?? [];
  return {
    async secrets() {
      const values = declared.length === 0 || !platform ? {} : await platform.secrets();
      const secrets = Object.create(null);
      for (const name of declared) secrets[name] = typeof values[name] === "string" ? values[name] : undefined;
      return Object.freeze(secrets);
    },
    async fetch(input, init) {
      const request = new Request(input, init);
      const origin = new URL(request.url).origin;
      if (!allowed.includes(origin) || !platform) throw outboundBlocked(origin);
      try {
        return await platform.outbound(request);
      } catch (err) {
        if (String(err?.message ?? "").startsWith("outbound_blocked")) throw outboundBlocked(origin);
        throw err;
      }
    },
  };
}

/**
 * ctx.entities for one run: a create on an owned entity takes its ownerId from its values, else
 * from the signed-in user (docs/appspec.md, "Ownership"); everything else is the shared API.
 */
function entitiesFor(entities, user) {
  const owned = SPEC.entities.filter((e) => e.owner === "user");
  if (owned.length === 0) return entities;
  const api = { ...entities };
  for (const entity of owned) {
    const base = entities[entity.plural];
    api[entity.plural] = Object.freeze({ ...base, create: (values) => base.create(values, user?.id) });
  }
  return Object.freeze(api);
}

/** The parts of ctx that reach storage and the outside, built once per app object. */
export function storageApi(app) {
  return {
    accounts: app.accounts ? app.accounts.api() : null,
    entities: entitiesApi(app),
    counters: countersApi(app.sql),
    kv: kvApi(app.sql),
    files: filesApi(app),
    outside: outsideApi(app.env),
  };
}

/** ctx.broadcast: collects `{ channel, data }` (data as the text members get) for the host to send. */
function broadcaster(collected) {
  const channels = SPEC.channels ?? [];
  return (channel, data) => {
    if (!channels.some((c) => c.name === channel))
      throw new TypeError("ctx.broadcast: no channel named " + String(channel).slice(0, 40));
    collected.push({ channel, data: typeof data === "string" ? data : JSON.stringify(data ?? null) });
  };
}

/**
 * ctx's storage and outside calls as this one run of an action holds them: once the action has
 * answered, every call throws, so work it left running (a callback, a promise chain) writes nothing
 * after its response. The sandbox's guard also clears its timers and stops its code at the next tick.
 */
function closable(value, open, depth) {
  if (typeof value === "function")
    return (...args) => {
      if (!open()) throw new Error("ctx is closed: the action has already answered");
      return value(...args);
    };
  if (value === null || typeof value !== "object" || depth === 0 || Array.isArray(value)) return value;
  const out = {};
  for (const [name, member] of Object.entries(value)) out[name] = closable(member, open, depth - 1);
  return Object.freeze(out);
}

/**
 * Runs an action: its returned value is JSON 200, nothing is 204, a Response passes through. An
 * HttpError (ctx.error, body(), entities, counters) is answered as itself by the app; any other
 * error is a 500 internal_error naming the action (never its stack), which the host's monitor
 * records with that name.
 */
export async function runAction(storage, match, request, url, readBody, why = {}) {
  const { action, params } = match;
  let body;
  let answered = false;
  const open = () => !answered;
  const { outside, ...stored } = storage;
  const ctx = {
    ...closable(stored, open, 3),
    entities: closable(entitiesFor(stored.entities, why.user ?? null), open, 2),
    // The signed-in user of the request (v3), or null: schedules run with none.
    user: why.user ? Object.freeze({ ...why.user }) : null,
    ...RESPONSES,
    secrets: await outside.secrets(),
    fetch: closable(outside.fetch, open, 0),
    action: action.name,
    params: Object.freeze({ ...params }),
    query: url.searchParams,
    // The host names the partition (PARTITION_KEY_HEADER in @aidevos/core); a single app has none.
    key: request.headers.get("x-aidevos-partition-key"),
    body: async () => {
      if (body === undefined) body = readBody(request.clone());
      return body;
    },
    // Why it runs, when not for an HTTP request (realtime.js), and what it sends to channel members.
    schedule: why.schedule ?? null,
    message: why.message ?? null,
    broadcast: broadcaster(why.broadcasts ?? []),
  };
  const handler = HANDLERS[action.name];
  let result;
  try {
    if (typeof handler !== "function") throw new TypeError("the module has no default export function");
    result = await handler(request, Object.freeze(ctx));
    if (result instanceof Response) return result;
    if (result === undefined) return new Response(null, { status: 204 });
    // A channel reply is text as members get it: a string as it is, anything else as JSON.
    if (typeof result === "string" && why.message != null) return RESPONSES.text(result);
    return RESPONSES.json(result);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(500, "internal_error", "action " + action.name + " failed");
  } finally {
    answered = true;
  }
}
