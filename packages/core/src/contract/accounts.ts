import { scalarFieldSchema } from "./field-schema";
import type { ContractSpec } from "./routes";

/*
 * v3 accounts and ownership in an app's OpenAPI document (docs/appspec.md, "v3 additions"): the
 * routes under `/auth/`, the user schema, the bearer and cookie security schemes, and each owned
 * entity's read-only `ownerId`. Called by appContract (document.ts) on the document it built.
 */

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ "application/json": { schema } });
const errorOf = (description: string) => ({ description, content: jsonContent(ref("Error")) });

/** The account fields' JSON Schemas (scalar types only: accounts.fields). */
function accountFieldSchemas(spec: ContractSpec): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, field] of Object.entries(spec.accounts?.fields ?? {})) {
    const nullable = !field.required;
    const schema = scalarFieldSchema(field, nullable);
    if (field.unique) schema.description = "unique among the app's users";
    out[name] = schema;
  }
  return out;
}

function authPaths(spec: ContractSpec): Record<string, Record<string, Json>> {
  const accounts = spec.accounts!;
  const min = accounts.minPasswordLength ?? 8;
  const fields = accountFieldSchemas(spec);
  const required = Object.entries(spec.accounts?.fields ?? {})
    .filter(([, f]) => f.required && f.default === undefined)
    .map(([n]) => n);
  const credentials = {
    email: { type: "string", maxLength: 254, description: "trimmed and lower-cased; local@domain.tld" },
    password: { type: "string", minLength: min, maxLength: 256 },
  };
  const signedIn = {
    description: "the user and a session token (also set as the `session` cookie on the app's own origin)",
    headers: { "Set-Cookie": { description: "session=<token>; HttpOnly; SameSite=Lax", schema: { type: "string" } } },
    content: jsonContent(ref("SignedIn")),
  };
  const user = { description: "the signed-in user", content: jsonContent(ref("User")) };
  const needsUser = errorOf("unauthorized: no valid session");
  const session = [{ userBearer: [] }, { sessionCookie: [] }];
  return {
    "/auth/signup": {
      post: {
        operationId: "signup",
        summary: "Create an account and sign in",
        tags: ["auth"],
        requestBody: {
          required: true,
          content: jsonContent({
            type: "object",
            properties: { ...credentials, ...fields },
            required: ["email", "password", ...required],
            additionalProperties: false,
          }),
        },
        responses: {
          201: signedIn,
          400: errorOf("validation_failed"),
          403: errorOf(
            accounts.signup === "closed" ? "forbidden: signup is closed" : "forbidden: when signup is closed",
          ),
          409: errorOf("conflict: the email or a unique field is taken"),
        },
        security: [{}],
      },
    },
    "/auth/login": {
      post: {
        operationId: "login",
        summary: "Sign in with email and password",
        description:
          "Five failed logins for one email within 15 minutes lock it for 15 minutes after the last (429, right password included).",
        tags: ["auth"],
        requestBody: {
          required: true,
          content: jsonContent({ type: "object", properties: credentials, required: ["email", "password"] }),
        },
        responses: {
          200: signedIn,
          400: errorOf("validation_failed: email or password missing or not a string"),
          401: errorOf("unauthorized: the email or password is wrong (one answer for both)"),
          429: {
            ...errorOf("rate_limited: too many failed logins for this email"),
            headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } },
          },
        },
        security: [{}],
      },
    },
    "/auth/logout": {
      post: {
        operationId: "logout",
        summary: "End the session this request is signed in with",
        tags: ["auth"],
        responses: { 204: { description: "signed out; the cookie is cleared" } },
        security: session,
      },
    },
    "/auth/me": {
      get: {
        operationId: "getMe",
        summary: "The signed-in user",
        tags: ["auth"],
        responses: { 200: user, 401: needsUser },
        security: session,
      },
      patch: {
        operationId: "updateMe",
        summary: "Change the signed-in user's fields or password (a new password ends every other session)",
        tags: ["auth"],
        requestBody: {
          required: true,
          content: jsonContent({
            type: "object",
            properties: { ...fields, password: credentials.password, currentPassword: { type: "string" } },
            additionalProperties: false,
          }),
        },
        responses: { 200: user, 400: errorOf("validation_failed"), 401: needsUser },
        security: session,
      },
      delete: {
        operationId: "deleteMe",
        summary: "Delete the signed-in user's account, sessions and owned records",
        tags: ["auth"],
        requestBody: {
          required: true,
          content: jsonContent({
            type: "object",
            properties: { password: { type: "string" } },
            required: ["password"],
          }),
        },
        responses: {
          204: { description: "deleted" },
          400: errorOf("validation_failed"),
          401: needsUser,
          409: errorOf("conflict: a restrict ref from a record the user does not own"),
        },
        security: session,
      },
    },
  };
}

/** Adds accounts and ownership to a document appContract built (before it prunes unused schemas). */
export function addAccounts(document: Json & { paths: Record<string, Record<string, unknown>> }, spec: ContractSpec) {
  const components = document.components as Json;
  const schemas = components.schemas as Json;
  for (const entity of spec.entities.filter((e) => e.owner === "user")) {
    const name = entity.name[0]!.toUpperCase() + entity.name.slice(1);
    const record = schemas[name] as { properties: Json; required: string[]; description?: string } | undefined;
    if (!record) continue;
    record.properties = {
      id: record.properties.id,
      ownerId: { type: "string", readOnly: true, description: "the id of the user who created it (set by the app)" },
      ...record.properties,
    };
    record.required = [...record.required, "ownerId"];
    record.description = `${record.description ?? name}; owned by a user${entity.read === "public" ? " (anyone may read; only the owner writes)" : " (only the owner sees it)"}`;
  }
  if (!spec.accounts) return;
  for (const [path, ops] of Object.entries(authPaths(spec))) document.paths[path] = ops;
  schemas.User = {
    type: "object",
    description: "An end user of the app: never a password or hash",
    properties: {
      id: { type: "string" },
      email: { type: "string" },
      createdAt: { type: "string", format: "date-time" },
      ...accountFieldSchemas(spec),
    },
    required: ["id", "email", "createdAt"],
  };
  schemas.SignedIn = {
    type: "object",
    properties: { user: ref("User"), token: { type: "string", description: "a session token (Bearer)" } },
    required: ["user", "token"],
  };
  components.securitySchemes = {
    ...((components.securitySchemes as Json | undefined) ?? {}),
    userBearer: { type: "http", scheme: "bearer", description: "A session token from signup or login" },
    sessionCookie: {
      type: "apiKey",
      in: "cookie",
      name: "session",
      description: "The session cookie signup and login set on the app's own origin",
    },
    ...(spec.access === "key"
      ? {
          appKeyHeader: {
            type: "apiKey",
            in: "header",
            name: "X-App-Key",
            description: "The app key beside a user's token",
          },
        }
      : {}),
  };
  // With access "key", every requirement carries the app key too (in X-App-Key beside a user's token).
  const withKey = (reqs: Json[]) => (spec.access === "key" ? reqs.map((r) => ({ appKeyHeader: [], ...r })) : reqs);
  for (const ops of Object.values(document.paths))
    for (const op of Object.values(ops) as Json[])
      if (Array.isArray(op.security)) op.security = withKey(op.security as Json[]);
  // Routes of owned entities ask for a user; others accept one.
  for (const entity of spec.entities.filter((e) => e.owner === "user")) {
    for (const [path, ops] of Object.entries(document.paths)) {
      if (path !== `/${entity.plural}` && !path.startsWith(`/${entity.plural}/`)) continue;
      for (const [method, op] of Object.entries(ops) as [string, Json][]) {
        const publicRead = entity.read === "public" && method === "get";
        op.security = withKey(
          publicRead ? [{}, { userBearer: [] }, { sessionCookie: [] }] : [{ userBearer: [] }, { sessionCookie: [] }],
        );
        const responses = op.responses as Json;
        if (!publicRead) responses["401"] ??= errorOf("unauthorized: sign in first");
        if (entity.read === "public" && method !== "get")
          responses["403"] ??= errorOf("forbidden: another user's record");
      }
    }
  }
  const tags = (document.tags as Json[] | undefined) ?? [];
  document.tags = [...tags, { name: "auth", description: "accounts: signup, login, logout, me" }];
}

interface AccountsChange {
  change: "added" | "removed" | "changed" | "tightened" | "loosened";
  subject: "accounts" | "owner";
  at: string;
  message: string;
  breaking: boolean;
}

/**
 * What changed in accounts and ownership (docs/appspec.md, "What gates a deploy"): breaking when an
 * existing entity becomes owned or loses `read: "public"`, when accounts go or signup closes; adding
 * accounts, opening signup or new owned entities break no client.
 */
export function accountsDiff(before: ContractSpec, after: ContractSpec): AccountsChange[] {
  const changes: AccountsChange[] = [];
  if (before.accounts && !after.accounts)
    changes.push({
      change: "removed",
      subject: "accounts",
      at: "accounts",
      message: "accounts removed (every /auth/ route and session goes)",
      breaking: true,
    });
  if (!before.accounts && after.accounts)
    changes.push({ change: "added", subject: "accounts", at: "accounts", message: "accounts added", breaking: false });
  const signup = (s: ContractSpec) => s.accounts?.signup ?? "open";
  if (before.accounts && after.accounts && signup(before) !== signup(after))
    changes.push({
      change: signup(after) === "closed" ? "tightened" : "loosened",
      subject: "accounts",
      at: "accounts.signup",
      message: `signup ${signup(before)} → ${signup(after)}`,
      breaking: signup(after) === "closed",
    });
  for (const entity of after.entities) {
    const old = before.entities.find((e) => e.plural === entity.plural);
    if (!old) continue;
    const owned = (e: typeof entity) => e.owner === "user";
    if (!owned(old) && owned(entity))
      changes.push({
        change: "tightened",
        subject: "owner",
        at: `${entity.plural}.owner`,
        message: "made owned: every route now needs a signed-in user and sees only their records",
        breaking: true,
      });
    if (owned(old) && !owned(entity))
      changes.push({
        change: "loosened",
        subject: "owner",
        at: `${entity.plural}.owner`,
        message: "no longer owned",
        breaking: false,
      });
    const isPublic = (e: typeof entity) => owned(e) && e.read === "public";
    if (isPublic(old) && !isPublic(entity) && owned(entity))
      changes.push({
        change: "tightened",
        subject: "owner",
        at: `${entity.plural}.read`,
        message: 'read: "public" removed: only owners read',
        breaking: true,
      });
    if (!isPublic(old) && isPublic(entity) && owned(old))
      changes.push({
        change: "loosened",
        subject: "owner",
        at: `${entity.plural}.read`,
        message: 'read: "public" added: anyone reads',
        breaking: false,
      });
  }
  return changes;
}
