/**
 * The contract a model writes action code against, in one place: the `ctx` API table and the HTTP
 * rules of docs/appspec.md ("The action context ctx", "The HTTP contract"). The prompts are built
 * from it, and test/llm/contract.test.ts checks that docs/appspec.md says the same, row by row, so
 * what the model is told and what the docs promise cannot drift apart.
 */

/** `[member, what]`, exactly as the rows of the docs' ctx table. */
export const CTX_API: readonly (readonly [member: string, what: string])[] = [
  [
    "`params`, `query`, `key`",
    "path parameters (decoded), the query as `URLSearchParams`, the partition key of a `perKey` app (`null` in a `single` one)",
  ],
  [
    "`body()`",
    "the parsed JSON body; an empty or invalid body answers 400 `invalid_json`, over 1 MiB 413. v3: the request's body may instead be read once as text, bytes or form data (`await req.text()`, `req.arrayBuffer()`, `req.formData()`)",
  ],
  [
    "`entities.<plural>`",
    "`create(values)`, `get(id)` (throws `not_found`), `update(id, changes)`, `delete(id)`, `list({ where, q, sort, limit, cursor })` → `{ items, nextCursor }`, `increment(id, field, by = 1)`: the same validation, constraints and errors as over HTTP. `where` maps a field to a value or to `{ gt, gte, lt, lte }`, v3 also `{ in: [...] }` (at most 50 values), `{ prefix }` (a string field) or `{ has }` (an array field); `q` is a full-text search of the entity's `search` fields; `sort` is the query's (`\"-points,qty\"`, also `createdAt` and `updatedAt`). v3: `file(id, field)` → `{ body: ArrayBuffer, contentType, size }` or `undefined`",
  ],
  ["`counters.<name>`", "`get()` → the value, `increment(by = 1)` → the new value"],
  [
    "`kv`",
    '`get(key)` → the value or `undefined`, `put(key, value, { ttlSeconds }?)`, `delete(key)`, `list(prefix = "")` → `[{ key, value }]` in key order, at most 1,000. JSON values per partition, keys of 1 to 512 characters, values up to 1 MiB as JSON, in the app\'s SQLite',
  ],
  [
    "`files`",
    'v3: `put(key, body, { contentType }?)` (a string, ArrayBuffer, typed array or stream, up to 10 MiB), `get(key)` → `{ body: ArrayBuffer, contentType, size }` or `undefined`, `delete(key)`, `list(prefix = "")` → `[{ key, size, contentType }]` in key order, at most 1,000. Blobs per partition in object storage (R2), keys of 1 to 512 characters, a namespace apart from `file` fields',
  ],
  [
    "`json(value, status = 200, headers?)`, `text(s, …)`, `html(s, …)`, `redirect(url, status = 302)`",
    "responses: `application/json`, `text/plain; charset=utf-8`, `text/html; charset=utf-8`; a redirect is 301, 302, 303, 307 or 308",
  ],
  [
    "`error(status, code, message, details?)`",
    "throws; answered as the JSON error envelope. `status` 400–599, `code` matching `^[a-z][a-z0-9_]{1,40}$`",
  ],
  [
    "`secrets.<NAME>`",
    "the value of each name the spec's `secrets` declares, or `undefined` while it is unset; read fresh for every request",
  ],
  [
    "`fetch(url, init?)`",
    "a `fetch` that reaches the spec's `outbound` origins only (same scheme, host and port); any other URL rejects with an error whose `code` is `outbound_blocked` and whose message starts with it. Redirects are answered to the action, never followed. The global `fetch` reaches nothing",
  ],
  [
    "`broadcast(channel, data)`",
    "sends to every member of that channel in this partition: a string as it is, any other value as JSON text",
  ],
  [
    "`schedule`, `message`",
    "the schedule's name when a schedule runs the action (the request is then a POST to the action's path with an empty JSON body), the text a channel member sent when the action is the channel's `onMessage`; both `null` otherwise",
  ],
  [
    "`user`, `accounts`",
    "v3: the signed-in user `{ id, email, createdAt, ...fields }` or `null` (schedules run with `null`); `accounts.get(id)` → the user or `undefined`, `accounts.create({ email, password, ...fields })` → the user (as signup, also when signup is closed), `accounts.signIn(id)` → a new session token (invites, magic links)",
  ],
];

/** The members of `ctx`, by name: anything else an action calls on `ctx` does not exist. */
const CTX_MEMBERS = [
  "params",
  "query",
  "key",
  "body",
  "entities",
  "counters",
  "kv",
  "files",
  "json",
  "text",
  "html",
  "redirect",
  "error",
  "secrets",
  "fetch",
  "broadcast",
  "schedule",
  "message",
  "user",
  "accounts",
] as const;

/**
 * The HTTP rules an action's answers share with the compiled routes, each a sentence (or more) of
 * docs/appspec.md "The HTTP contract" / "Actions", word for word.
 */
export const HTTP_RULES: readonly string[] = [
  "A record has an `id` (string), every field of its entity (defaults applied; an optional field with neither value nor default is `null`), `createdAt` and `updatedAt`.",
  "Lists are oldest first, 50 items by default and 100 at most.",
  'Errors are JSON, `{ "error": { "code", "message", "details": [...] } }`, with these codes: `invalid_json` (400), `validation_failed` (400; `details` names each field path: unknown fields and wrong types are validation failures too), `not_found` (404), `conflict` (409), `rate_limited` (429, with `Retry-After`), `method_not_allowed` (405).',
  "`code` is an ES module whose default export is `async (request, ctx)`. It returns a `Response` (passed through as it is), a JSON value (200), or nothing (204).",
  "Any other uncaught error answers `500 internal_error` with the message `action <name> failed` and no stack;",
  'An entity with `"owner": "user"` gets a read-only `ownerId`.',
  "Actions are the app's own code: `ctx.entities` is not scoped (filter with `where: { ownerId: ctx.user.id }`), and a create on an owned entity takes `ownerId` from its values, else `ctx.user.id`, else answers 400.",
  "Modules run in the sandbox under the same rules as actions.",
  "A `json` field holds any JSON value (at most `maxBytes` of compact JSON, default 65,536) and cannot be filtered or sorted; an `array` field holds a list of its `items` (at most `maxItems`, default 100) and is filtered only by `{field}[has]=v`.",
  "Lists also filter by `{field}[in]=a,b` (at most 50 values; a comma inside a value is `%2C`) and `{field}[prefix]=text` (case-sensitive, no wildcards); `createdAt` and `updatedAt` are always sortable and range-filterable.",
  "An entity with `search` takes `?q=` (and `list({ q })`): every word must match a word of the record (a trailing `*` matches a prefix), case and accents ignored, best matches first unless `sort` is given; `q` on an entity without `search` answers 400.",
  "A `file` field reads `{ size, contentType, sha256 }` or `null`: its bytes are uploaded with `PUT B/{plural}/{id}/files/{field}` and read with `GET` on the same path, and in a JSON body it takes only `null` (deleting the file).",
];

/** The contract as the prompts carry it: the stable, cached part of every code call. */
export function contractText(): string {
  return [
    "Contract of a generated app (docs/appspec.md):",
    ...HTTP_RULES.map((r) => `- ${r}`),
    "The action context `ctx` has exactly these members (nothing else exists on it):",
    ...CTX_API.map(([member, what]) => `- ${member}: ${what}`),
    "Globals: `crypto.subtle`, `URL`, `URLSearchParams`, `Response`, `Request`, `Headers`. No global `fetch` (only `ctx.fetch`), no `eval`, no `new Function`, no dynamic `import()`, no imports but the app's own modules (`import { x } from './<module>.js'`).",
  ].join("\n");
}

/**
 * Review findings for `ctx.<member>` uses that the contract does not have (`ctx.db.query`, say):
 * such code can only throw at run time, so the finding names the member for the refiner.
 */
export function unknownCtxMembers(file: string, code: string) {
  const known = new Set<string>(CTX_MEMBERS);
  const findings: { severity: "error"; rule: string; file: string; line: number; message: string }[] = [];
  code.split("\n").forEach((text, i) => {
    for (const m of text.matchAll(/\bctx\.([A-Za-z_$][\w$]{0,63})/g)) {
      if (!known.has(m[1]!))
        findings.push({
          severity: "error",
          rule: "unknown-ctx-member",
          file,
          line: i + 1,
          message: `ctx.${m[1]} does not exist; ctx has only ${CTX_MEMBERS.join(", ")}`,
        });
    }
  });
  return findings;
}
