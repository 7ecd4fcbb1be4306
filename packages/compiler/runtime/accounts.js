/**
 * accounts.js of every generated app: the end users of an app with `accounts` (docs/appspec.md,
 * "v3 additions"), per partition, in the partition's SQLite. Passwords are kept only as
 * PBKDF2-SHA256 with a random salt and their iteration count; session tokens only as their SHA-256.
 * Nothing here ever answers, logs or throws a password, hash or token, except the answer that
 * issues a token.
 */

import {
  decodeCursor,
  encodeCursor,
  HttpError,
  isPlainObject,
  methodNotAllowed,
  notFound,
  SPEC,
  validateCreate,
  validatePatch,
  validationFailed,
} from "./model.js";
import { digestOf, hashPassword, lockedFor, newToken, nextFailures, verifyPassword } from "./passwords.js";

const MAX_PASSWORD = 256;
const MAX_EMAIL = 254;
const DAY_MS = 24 * 60 * 60 * 1000;
/** `local@domain.tld`: no spaces, one @, a dot in the domain; every part non-empty. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const LOGIN_FAILED = "email or password is wrong";

const unauthorized = (message) => new HttpError(401, "unauthorized", message);

/** The spec's accounts with their defaults (docs/appspec.md). */
function settings() {
  const a = SPEC.accounts ?? {};
  return {
    signup: a.signup ?? "open",
    minPasswordLength: a.minPasswordLength ?? 8,
    sessionDays: a.sessionDays ?? 30,
    fields: a.fields ?? {},
  };
}

/** The account fields as an entity, so they validate exactly as entity fields do (model.js). */
function fieldsEntity() {
  return { name: "user", plural: "users", fields: settings().fields };
}

/** A hash no password matches in practice: an unknown email costs what a known one does. */
let decoy = null;
function decoyHash() {
  decoy ??= hashPassword(newToken());
  return decoy;
}

/** Trimmed and lower-cased, as emails are compared everywhere. */
export function normalizeEmail(email) {
  return typeof email === "string" ? email.trim().toLowerCase() : email;
}

/** The session token of a request: its Bearer token, else its `session` cookie (either may be absent). */
function tokensOf(request) {
  const tokens = [];
  const auth = request.headers.get("authorization") ?? "";
  if (auth.slice(0, 7).toLowerCase() === "bearer ") tokens.push(auth.slice(7).trim());
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at !== -1 && part.slice(0, at).trim() === "session") tokens.push(part.slice(at + 1).trim());
  }
  return tokens.filter((t) => t.length > 0 && t.length <= 200);
}

/**
 * The SHA-256 digests of the session tokens a request carries (Bearer, then cookie): what a channel
 * member keeps instead of a token, so that each of its messages is signed in only while the session lives.
 */
export async function sessionDigestsOf(request) {
  return Promise.all(tokensOf(request).map((t) => digestOf(t)));
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The cookie's path is the app's base on its own origin: `/`, or `/k/{key}` in a perKey app. */
function cookiePath(request) {
  const key = request.headers.get("x-aidevos-partition-key");
  return key ? `/k/${key}` : "/";
}

function isHttps(request) {
  if (new URL(request.url).protocol === "https:") return true;
  if ((request.headers.get("x-forwarded-proto") ?? "").toLowerCase() === "https") return true;
  return (request.headers.get("cf-visitor") ?? "").includes('"https"');
}

function sessionCookie(request, token, maxAge) {
  const parts = [`session=${token}`, "HttpOnly", "SameSite=Lax", `Path=${cookiePath(request)}`];
  if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
  if (isHttps(request)) parts.push("Secure");
  return parts.join("; ");
}

/**
 * The accounts of one partition: users, their sessions and the failed logins that lock an email
 * out. Built by the App object when its spec has `accounts`.
 */
export class Accounts {
  constructor(app) {
    this.app = app;
    this.sql = app.sql;
  }

  migrate() {
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _users (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL)",
    );
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _sessions (digest TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    );
    this.sql.exec("CREATE INDEX IF NOT EXISTS _sessions_user ON _sessions (user_id)");
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS _login_failures (email TEXT PRIMARY KEY, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, count INTEGER NOT NULL)",
    );
  }

  /** A stored row as the contract's user: `{ id, email, createdAt, ...fields }`, never the hash. */
  shape(row) {
    const data = JSON.parse(String(row.data));
    const fields = {};
    for (const [name, field] of Object.entries(settings().fields))
      fields[name] = Object.hasOwn(data, name) ? data[name] : (field.default ?? null);
    return { id: row.id, email: row.email, createdAt: row.created_at, ...fields };
  }

  row(id) {
    return this.sql.exec("SELECT * FROM _users WHERE id = ?", String(id)).toArray()[0] ?? null;
  }

  get(id) {
    const row = this.row(id);
    return row ? this.shape(row) : undefined;
  }

  /** The signed-in user of a request, or null: a token that is not valid counts as absent. */
  async userOf(request) {
    const found = await this.sessionOf(request);
    return found ? found.user : null;
  }

  /** The user row of the unexpired session whose token has this SHA-256 digest, or undefined. */
  liveSessionUser(digest) {
    return this.sql
      .exec(
        "SELECT u.* FROM _sessions s JOIN _users u ON u.id = s.user_id WHERE s.digest = ? AND s.expires_at > ?",
        digest,
        Date.now(),
      )
      .toArray()[0];
  }

  /**
   * The user of the first live session among `digests` (a channel member's, from its upgrade), or null:
   * a session revoked or expired since counts as absent at once.
   */
  userOfDigests(digests) {
    for (const digest of digests) {
      if (typeof digest !== "string" || !/^[0-9a-f]{64}$/.test(digest)) continue;
      const row = this.liveSessionUser(digest);
      if (row) return this.shape(row);
    }
    return null;
  }

  /** `{ user, digest }` of the first valid token a request carries (Bearer first, then the cookie). */
  async sessionOf(request) {
    for (const token of tokensOf(request)) {
      const digest = await digestOf(token);
      const row = this.liveSessionUser(digest);
      if (row) return { user: this.shape(row), digest };
    }
    return null;
  }

  /** A new session for a user: the token, kept here only as its SHA-256. */
  async signIn(userId) {
    if (!this.row(userId)) throw notFound(`user ${userId}`);
    const token = newToken();
    const now = Date.now();
    // Expired sessions go a few at a time, so no sign-in pays for a large sweep.
    this.sql.exec(
      "DELETE FROM _sessions WHERE digest IN (SELECT digest FROM _sessions WHERE expires_at <= ? LIMIT 100)",
      now,
    );
    this.sql.exec(
      "INSERT INTO _sessions (digest, user_id, expires_at) VALUES (?, ?, ?)",
      await digestOf(token),
      userId,
      now + settings().sessionDays * DAY_MS,
    );
    return token;
  }

  /** Account fields of a body (after email and password), validated as entity fields; details otherwise. */
  checkFields(values, details, partial) {
    try {
      return partial ? validatePatch(fieldsEntity(), values) : validateCreate(fieldsEntity(), values);
    } catch (err) {
      if (err instanceof HttpError && err.code === "validation_failed") details.push(...err.details);
      else throw err;
      return null;
    }
  }

  passwordProblem(password) {
    const min = settings().minPasswordLength;
    if (typeof password !== "string") return "required: a string";
    if (password.length < min) return `must have at least ${min} characters`;
    if (password.length > MAX_PASSWORD) return `must have at most ${MAX_PASSWORD} characters`;
    return null;
  }

  /** 409 when another user holds this email or a value of a unique field. */
  checkUnique(email, fields, exceptId = "") {
    if (email !== undefined) {
      const taken = this.sql.exec("SELECT 1 FROM _users WHERE email = ? AND id != ?", email, exceptId).toArray();
      if (taken.length > 0)
        throw new HttpError(409, "conflict", "a user with this email already exists", [
          { path: "email", message: "must be unique" },
        ]);
    }
    for (const [name, field] of Object.entries(settings().fields)) {
      const value = fields[name];
      if (!field.unique || value === null || value === undefined) continue;
      const taken = this.sql
        .exec(
          "SELECT 1 FROM _users WHERE json_extract(data, ?) = ? AND id != ?",
          `$.${name}`,
          typeof value === "boolean" ? Number(value) : value,
          exceptId,
        )
        .toArray();
      if (taken.length > 0)
        throw new HttpError(409, "conflict", `a user with this ${name} already exists`, [
          { path: name, message: "must be unique" },
        ]);
    }
  }

  /** A new user from `{ email, password, ...fields }` (signup, the management API, ctx.accounts.create). */
  async create(body) {
    if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
    const { email: rawEmail, password, ...rest } = body;
    const details = [];
    const email = normalizeEmail(rawEmail);
    if (typeof email !== "string") details.push({ path: "email", message: "required: a string" });
    else if (email.length > MAX_EMAIL || !EMAIL.test(email))
      details.push({ path: "email", message: "must be an email address (local@domain.tld, at most 254 characters)" });
    const problem = this.passwordProblem(password);
    if (problem) details.push({ path: "password", message: problem });
    const fields = this.checkFields(rest, details, false);
    if (details.length > 0) throw validationFailed(details);
    this.checkUnique(email, fields);
    const hash = await hashPassword(password);
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    // Checked again after the hash: another signup may have taken the email meanwhile.
    this.app.ctx.storage.transactionSync(() => {
      this.checkUnique(email, fields);
      this.sql.exec(
        "INSERT INTO _users (id, email, password, data, created_at) VALUES (?, ?, ?, ?, ?)",
        id,
        email,
        hash,
        JSON.stringify(fields),
        now,
      );
    });
    return this.get(id);
  }

  /** Deletes a user, their sessions and their owned records (owners.js); 404 unknown, 409 restricted. */
  remove(id) {
    if (!this.row(id)) throw notFound(`user ${id}`);
    this.app.ctx.storage.transactionSync(() => {
      this.app.owners.removeOwnedBy(id);
      this.sql.exec("DELETE FROM _sessions WHERE user_id = ?", id);
      this.sql.exec("DELETE FROM _users WHERE id = ?", id);
    });
  }

  /** A failed login for an email: counted in a 15-minute window from the first failure (passwords.js). */
  noteFailure(email, now) {
    const row = this.sql.exec("SELECT * FROM _login_failures WHERE email = ?", email).toArray()[0];
    const next = nextFailures(row, now);
    this.sql.exec(
      "INSERT OR REPLACE INTO _login_failures (email, first_at, last_at, count) VALUES (?, ?, ?, ?)",
      email,
      next.first_at,
      next.last_at,
      next.count,
    );
  }

  /** Seconds until an email locked out may try again, or 0 when it may now. */
  lockedFor(email, now) {
    const row = this.sql.exec("SELECT * FROM _login_failures WHERE email = ?", email).toArray()[0];
    return lockedFor(row, now);
  }

  async login(body) {
    if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
    const details = [];
    for (const name of ["email", "password"])
      if (typeof body[name] !== "string") details.push({ path: name, message: "required: a string" });
    if (details.length > 0) throw validationFailed(details);
    const email = normalizeEmail(body.email).slice(0, 512);
    const now = Date.now();
    const wait = this.lockedFor(email, now);
    if (wait > 0)
      throw new HttpError(429, "rate_limited", "too many failed logins for this email; try again later", [], {
        "retry-after": String(wait),
      });
    const row = this.sql.exec("SELECT * FROM _users WHERE email = ?", email).toArray()[0];
    const fits = body.password.length <= MAX_PASSWORD;
    const ok = await verifyPassword(fits ? body.password : "", row && fits ? row.password : await decoyHash());
    if (!row || !ok) {
      this.noteFailure(email, Date.now());
      throw unauthorized(LOGIN_FAILED);
    }
    this.sql.exec("DELETE FROM _login_failures WHERE email = ?", email);
    return { user: this.shape(row), token: await this.signIn(row.id) };
  }

  /** `B/auth/...`: signup, login, logout and me (docs/appspec.md, "Accounts"). */
  async route(request, parts, readBody) {
    const what = parts.length === 2 ? parts[1] : "";
    const allow = { signup: ["POST"], login: ["POST"], logout: ["POST"], me: ["GET", "PATCH", "DELETE"] }[what];
    if (!allow) throw notFound(`route /${parts.join("/")}`);
    if (!allow.includes(request.method)) throw methodNotAllowed(allow);
    switch (what) {
      case "signup": {
        if (settings().signup === "closed")
          throw new HttpError(403, "forbidden", "signup is closed: accounts are created by the app's operator");
        const user = await this.create(await readBody(request));
        const token = await this.signIn(user.id);
        return json(201, { user, token }, { "set-cookie": sessionCookie(request, token) });
      }
      case "login": {
        const { user, token } = await this.login(await readBody(request));
        return json(200, { user, token }, { "set-cookie": sessionCookie(request, token) });
      }
      case "logout": {
        const session = await this.sessionOf(request);
        if (session) this.sql.exec("DELETE FROM _sessions WHERE digest = ?", session.digest);
        return new Response(null, { status: 204, headers: { "set-cookie": sessionCookie(request, "", 0) } });
      }
      default:
        return this.me(request, readBody);
    }
  }

  async me(request, readBody) {
    const session = await this.sessionOf(request);
    if (!session) throw unauthorized("sign in first: no valid session token");
    const { user, digest } = session;
    if (request.method === "GET") return json(200, user);
    const body = await readBody(request);
    if (!isPlainObject(body)) throw validationFailed([{ path: "", message: "must be a JSON object" }]);
    const stored = this.row(user.id);
    if (request.method === "DELETE") {
      if (typeof body.password !== "string")
        throw validationFailed([{ path: "password", message: "required: the account's password" }]);
      if (!(await verifyPassword(body.password.slice(0, MAX_PASSWORD + 1), stored.password)))
        throw unauthorized("the password is wrong");
      this.remove(user.id);
      return new Response(null, { status: 204, headers: { "set-cookie": sessionCookie(request, "", 0) } });
    }
    const { password, currentPassword, email, ...rest } = body;
    const details = [];
    if (email !== undefined) details.push({ path: "email", message: "cannot be changed" });
    if (password !== undefined) {
      const problem = this.passwordProblem(password);
      if (problem) details.push({ path: "password", message: problem });
      if (typeof currentPassword !== "string")
        details.push({ path: "currentPassword", message: "required to change the password" });
    } else if (currentPassword !== undefined && typeof currentPassword !== "string")
      details.push({ path: "currentPassword", message: "must be a string" });
    const changes = this.checkFields(rest, details, true);
    if (details.length > 0) throw validationFailed(details);
    let hash = null;
    if (password !== undefined) {
      if (!(await verifyPassword(currentPassword.slice(0, MAX_PASSWORD + 1), stored.password)))
        throw unauthorized("the current password is wrong");
      hash = await hashPassword(password);
    }
    const data = { ...JSON.parse(String(stored.data)), ...changes };
    this.app.ctx.storage.transactionSync(() => {
      this.checkUnique(undefined, changes, user.id);
      this.sql.exec("UPDATE _users SET data = ? WHERE id = ?", JSON.stringify(data), user.id);
      if (hash !== null) {
        this.sql.exec("UPDATE _users SET password = ? WHERE id = ?", hash, user.id);
        // A new password ends every other session: whoever knew the old one is signed out.
        this.sql.exec("DELETE FROM _sessions WHERE user_id = ? AND digest != ?", user.id, digest);
      }
    });
    return json(200, this.get(user.id));
  }

  /**
   * The management API's calls (`/_aidevos/users[/{id}]`, through the app's host): a page of users
   * (never a hash), a new user (also when signup is closed), a deletion.
   */
  async internal(request, rest, readBody) {
    const url = new URL(request.url);
    if (rest.length === 0) {
      if (request.method === "POST") return json(201, await this.create(await readBody(request)));
      if (request.method !== "GET") throw methodNotAllowed(["GET", "POST"]);
      const limitText = url.searchParams.get("limit") ?? "50";
      const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : 0;
      const details = [];
      if (limit < 1 || limit > 100) details.push({ path: "limit", message: "must be an integer from 1 to 100" });
      let after = 0;
      const cursor = url.searchParams.get("cursor");
      if (cursor) {
        const seq = decodeCursor(cursor);
        if (seq === null) details.push({ path: "cursor", message: "not a cursor from this list" });
        else after = seq;
      }
      if (details.length > 0) throw validationFailed(details);
      const rows = this.sql.exec("SELECT * FROM _users WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1).toArray();
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? encodeCursor(Number(page[page.length - 1].seq)) : null;
      const total = this.sql.exec("SELECT COUNT(*) AS n FROM _users").one().n;
      return json(200, { items: page.map((r) => this.shape(r)), nextCursor: next, total });
    }
    if (rest.length === 1) {
      if (request.method !== "DELETE") throw methodNotAllowed(["DELETE"]);
      this.remove(rest[0]);
      return new Response(null, { status: 204 });
    }
    throw notFound("route");
  }

  /** ctx.accounts of an action: get, create (as signup, also when closed) and signIn (a new token). */
  api() {
    return Object.freeze({
      get: async (id) => this.get(id),
      create: async (values) => this.create(values),
      signIn: async (id) => this.signIn(String(id)),
    });
  }
}
