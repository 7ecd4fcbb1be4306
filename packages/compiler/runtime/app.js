/** app.js of every generated app: the Durable Object that serves the contract from SQLite. */
import { DurableObject } from "cloudflare:workers";
import { Accounts } from "./accounts.js";
import { matchAction, runAction, storageApi } from "./actions.js";
import { rawInValues } from "./data.js";
import { dropGoneFiles, fileRoute, isMultipart, noteGone, writeMultipart } from "./files.js";
import {
  encodeCursor,
  encodeSortCursor,
  entityByPlural,
  errorBody,
  HttpError,
  invalidJson,
  isPlainObject,
  MAX_BODY_BYTES,
  methodNotAllowed,
  notFound,
  operationsOf,
  parseFieldIncrement,
  parseIncrement,
  parseJsonText,
  parseListQuery,
  SPEC,
  tooLarge,
  validatePatch,
  validationFailed,
} from "./model.js";
import { isOwned, needsUser, Owners } from "./owners.js";
import { tableOf } from "./query.js";
import {
  adoptSchedulesHere,
  channelRoute,
  messageHere,
  nextScheduleHere,
  notePartitionHere,
  realtimeCall,
  runDueHere,
  upgradeHere,
  withBroadcasts,
} from "./realtime.js";
import { Records } from "./records.js";

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
  increment: [["POST", "update"]],
};

/**
 * How much this partition stores, in bytes (0 while it holds no record, counter or key-value row),
 * on the answer to every request that may write: the host counts a partition only once it holds
 * data (docs/security.md, Quotas) and keeps its storage quotas from these figures.
 */
const STORED_HEADER = "x-aidevos-stored";
/** Tables that hold the platform's bookkeeping, not the app's data. */
const BOOKKEEPING = ["_meta", "_rate", "_unique", "_schedules"];

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
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
  return parseJsonText(text);
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
    this.records = new Records(ctx.storage);
    // Files whose record or field went are deleted from the bucket once the request is answered (files.js).
    this.records.onGone = (entityName, id, data, only) => noteGone(this, entityName, id, data, only);
    // v3: end users and owned records, only for a spec that declares accounts (accounts.js, owners.js).
    this.accounts = SPEC.accounts ? new Accounts(this) : null;
    this.owners = new Owners(this);
    // A host that cannot give the app alarms (a facet) says so; expired rows are then purged as requests come.
    this.alarmsUnavailable = env?.EXPIRY === "on-request";
    // Without a host around it (the app's own Worker, on Cloudflare) the object holds its channel
    // members and runs its schedules itself (realtime.js).
    this.ownHost = !this.alarmsUnavailable;
    /** What an action's ctx reaches storage through (actions.js), built on the first action request. */
    this.actionStorage = null;
    /** Broadcasts of public action requests, until the host collects them (realtime.js). */
    this.heldBroadcasts = new Map();
    ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      // Where the object is its own host, a perKey partition runs schedules only once it holds data:
      // a key that was only read must not start an alarm for good (docs/security.md, Quotas).
      if (this.ownHost && (SPEC.partition !== "perKey" || this.storedBytes() > 0)) this.adoptSchedules();
      await this.scheduleExpiry();
    });
  }

  migrate() {
    this.sql.exec("CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _rate (bucket TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL)",
    );
    this.records.migrate();
    if (this.accounts) {
      this.accounts.migrate();
      this.owners.migrate();
    }
  }

  /** @override */
  async fetch(request) {
    let response;
    try {
      response = await this.route(request);
    } catch (err) {
      if (err instanceof HttpError) response = json(err.status, errorBody(err), err.headers);
      else response = json(500, { error: { code: "internal_error", message: "internal error", details: [] } });
    } finally {
      await dropGoneFiles(this);
    }
    return this.told(request, response);
  }

  /** The answer to a request that may write, with what the partition now stores (STORED_HEADER). */
  async told(request, response) {
    if (request.method === "GET" || request.method === "HEAD" || response.webSocket) return response;
    const stored = this.storedBytes();
    if (this.ownHost && stored > 0 && !this.schedulesAdopted) {
      this.adoptSchedules();
      await this.scheduleExpiry();
    }
    const told = new Response(response.body, response);
    told.headers.set(STORED_HEADER, String(stored));
    return told;
  }

  adoptSchedules() {
    this.schedulesAdopted = true;
    adoptSchedulesHere(this.sql);
  }

  /** The partition's size when any table of the app's holds a row, else 0 (tables alone are not data). */
  storedBytes() {
    const tables = this.sql
      .exec(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
      )
      .toArray()
      .map((r) => String(r.name))
      // The search index and array items (search.js) only mirror records.
      .filter((name) => !BOOKKEEPING.includes(name) && name !== "_has" && !name.startsWith("f_"));
    for (const name of tables) {
      const row = this.sql.exec(`SELECT 1 AS one FROM "${name.replaceAll('"', '""')}" LIMIT 1`).toArray()[0];
      if (row) return this.sql.databaseSize;
    }
    return 0;
  }

  /**
   * The platform's calls into the app (`check`, `realtime`, `schedule/{name}`, `message/{channel}`,
   * `broadcasts/{id}`), by RPC only: no HTTP path reaches them, so no public request can, however
   * it is spelled. Locally the app's host calls this on its facet; on Cloudflare the Worker's entry
   * (index.js) does, once the sandbox's entry has verified the platform token.
   */
  async platformCall(name, request) {
    let response;
    try {
      if (this.ownHost) notePartitionHere(this, request);
      response = await this.internal(request, name);
    } catch (err) {
      if (err instanceof HttpError) response = json(err.status, errorBody(err), err.headers);
      else response = json(500, { error: { code: "internal_error", message: "internal error", details: [] } });
    }
    return this.told(request, response);
  }

  async route(request) {
    const url = new URL(request.url);
    if (this.ownHost) notePartitionHere(this, request);
    if (SPEC.rateLimit) this.rateLimit(request);
    if (this.alarmsUnavailable && Date.now() - (this.lastPurge ?? 0) > 1000) this.purgeExpired();
    let parts;
    try {
      parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      throw notFound("route");
    }
    if (this.ownHost) {
      const upgraded = await upgradeHere(this, request, parts);
      if (upgraded) return upgraded;
    }
    // The accounts' routes come first: no action or entity may live under /auth/ (the spec refuses it).
    if (this.accounts && parts[0] === "auth") return this.accounts.route(request, parts, (req) => readJson(req, true));
    const user = this.accounts ? await this.accounts.userOf(request) : null;
    // Actions first (docs/appspec.md): a path of an action with another method is 405 unless an entity route has it.
    const action = matchAction(request.method, parts);
    if (action.action) {
      // An action may read its body once, in any form: bodies over 1 MiB never reach it.
      if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
      const broadcasts = [];
      return withBroadcasts(this, await this.runAction(action, request, { broadcasts, user }), broadcasts);
    }
    // B/{plural}/{id}/files/{field} (files.js): after actions, as every entity route.
    if (parts.length === 4 && parts[2] === "files" && entityByPlural(parts[0])) {
      const owned = entityByPlural(parts[0]);
      // A file is part of its record: the record's owner rules hold (owners.js), reads of a public entity excepted.
      const write = request.method !== "GET" && request.method !== "HEAD";
      if (isOwned(owned) && !user && !(!write && owned.read === "public")) throw needsUser();
      this.owners.check(owned, parts[1], user, write);
      return fileRoute(this, owned, parts[1], parts[3], request);
    }
    channelRoute(parts);
    const entityPath =
      parts[0] === "counters" ||
      (entityByPlural(parts[0]) !== null && (parts.length <= 2 || (parts.length === 3 && parts[2] === "increment")));
    if (action.allow.length > 0 && !entityPath) throw methodNotAllowed(action.allow);
    if (parts[0] === "counters" && parts.length >= 2) return this.counter(request, parts);
    const shape = parts.length === 1 ? "collection" : parts.length === 2 ? "item" : "increment";
    const entity =
      parts.length <= 2 || (parts.length === 3 && parts[2] === "increment") ? entityByPlural(parts[0]) : null;
    if (!entity) throw notFound(`route ${url.pathname}`);
    const ops = operationsOf(entity);
    const allowed = ROUTE_METHODS[shape].filter(([, op]) => ops.includes(op));
    if (allowed.length === 0) throw notFound(`route ${url.pathname}`);
    const match = allowed.find(([method]) => method === request.method);
    if (!match) throw methodNotAllowed(allowed.map(([method]) => method));
    const id = parts[1];
    // An owned entity's routes need a user (reads of a public one excepted); another user's record
    // answers exactly as a missing one: checked where the record would be looked up (owners.js).
    const reads = match[1] === "get" || match[1] === "list";
    if (isOwned(entity) && !user && !(reads && entity.read === "public")) throw needsUser();
    if (shape === "increment") {
      const body = await readJson(request, true);
      parseFieldIncrement(entity, body);
      this.owners.check(entity, id, user, true);
      return json(200, this.records.increment(entity, id, body));
    }
    if (match[1] === "get" || match[1] === "delete") this.owners.check(entity, id, user, match[1] === "delete");
    switch (match[1]) {
      case "create": {
        // A multipart create streams its files to the new record's keys, so its id is chosen first.
        const scope = { ownerId: user?.id, viewer: user, id: crypto.randomUUID() };
        let expires = null;
        const create = (body) => {
          const { record, expiresAt } = this.records.create(entity, body, scope);
          expires = expiresAt;
          return record;
        };
        const record = isMultipart(request)
          ? await writeMultipart(this, entity, request, create, scope.id)
          : create(await readJson(request, true));
        if (expires !== null) await this.scheduleExpiry();
        return json(201, record);
      }
      case "list": {
        const query = this.owners.scopeList(
          entity,
          user,
          parseListQuery(entity, url.searchParams, rawInValues(url.search)),
        );
        const next = (seq, keys) => (query.keyed ? encodeSortCursor(query.sortText, keys, seq) : encodeCursor(seq));
        return json(200, this.records.list(entity, query, next));
      }
      case "get":
        return json(200, this.records.get(entity, id));
      case "update": {
        // A multipart update is refused before its body is read when the record is not the caller's
        // to write (or is missing): its files would otherwise stream into the bucket for nothing.
        if (isMultipart(request)) {
          this.owners.check(entity, id, user, true);
          this.records.row(entity, id);
        }
        const update = (body) => {
          validatePatch(entity, body);
          this.owners.check(entity, id, user, true);
          return this.records.update(entity, id, body, user);
        };
        return json(
          200,
          isMultipart(request)
            ? await writeMultipart(this, entity, request, update)
            : update(await readJson(request, true)),
        );
      }
      case "delete":
        this.records.remove(entity, id);
        return new Response(null, { status: 204 });
    }
  }

  /** Runs an action for a request, a schedule or a channel message (`why`: actions.js runAction). */
  runAction(match, request, why) {
    this.actionStorage ??= storageApi(this);
    return runAction(this.actionStorage, match, request, new URL(request.url), (req) => readJson(req, true), why);
  }

  /**
   * The platform's calls: `check` answers what the stored data breaks under another version's spec,
   * `count` how many live records the storage holds (the security suite's "nothing stored" check).
   */
  async internal(request, name) {
    if (name === "users" || name.startsWith("users/")) {
      if (!this.accounts) throw notFound("accounts: the app's spec declares none");
      const rest = name.split("/").slice(1).map(decodeURIComponent);
      return this.accounts.internal(request, rest, (req) => readJson(req, true));
    }
    if (name === "count") return json(200, { records: this.records.count() });
    if (name !== "check") return realtimeCall(this, request, name);
    if (request.method !== "POST") throw methodNotAllowed(["POST"]);
    const body = await readJson(request, true);
    if (!isPlainObject(body) || !isPlainObject(body.spec) || !Array.isArray(body.spec.entities))
      throw validationFailed([{ path: "spec", message: "must be an AppSpec" }]);
    return json(200, { problems: this.records.violations(body.spec, { values: body.values === true }) });
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
    await dropGoneFiles(this);
    if (this.ownHost && this.schedulesAdopted) await runDueHere(this);
    await this.scheduleExpiry();
  }

  /** @override A channel member's frame (only where this object is its own host). */
  async webSocketMessage(ws, message) {
    await messageHere(this, ws, message);
  }

  /** @override */
  async webSocketClose(ws, code, reason) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  purgeExpired() {
    const now = Date.now();
    this.lastPurge = now;
    for (const entity of SPEC.entities.filter((e) => e.ttlSeconds)) {
      // An expired record's files go with it (dropped after the request, or by the alarm).
      const withFiles = this.sql.exec(
        `SELECT id, data FROM ${tableOf(entity)} WHERE expires_at <= ? AND data LIKE '%"sha256"%'`,
        now,
      );
      for (const row of withFiles) noteGone(this, entity.name, String(row.id), JSON.parse(String(row.data)));
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
    if (this.ownHost && this.schedulesAdopted) {
      const schedule = nextScheduleHere(this.sql);
      if (schedule !== null && (next === null || schedule < next)) next = schedule;
    }
    if (next !== null && !this.alarmsUnavailable) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
