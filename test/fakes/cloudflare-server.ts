import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { listen, Scenarios } from "./scripted";

/**
 * A loopback server speaking the Cloudflare API calls deploys use: script uploads (standalone and
 * into a dispatch namespace), versions, deployments, script settings, secrets. It checks what the real API checks (token,
 * multipart metadata, migration tags) and records every upload for assertions. A test scripts
 * failures per script name through POST /__script; GET /__requests?key=<script> lists the calls.
 * Slow mode: a scripted `{ "delayMs": n }` holds that call n ms before it takes effect and is answered,
 * and the call takes effect even if its client went away meanwhile (as an API that committed a change
 * whose answer never arrived). Its record says `held`, then `clientGone` and the `status` it answered (or would have).
 * `GET …/workers/scripts` lists the account's standalone scripts with the `tags` their uploads set and their
 * `migration_tag`; `GET …/dispatch/namespaces/{ns}/scripts/{name}` answers `{ script: { id, migration_tag } }`
 * (404 for none). A script upload whose migrations' `old_tag` is not the script's tag is refused (as Cloudflare
 * does), and so is one binding a Durable Object class no migration declared. `DELETE …/scripts/{name}` removes a
 * script. GET /__live?key=<script> says which versions serve its traffic now (the last script upload, or the last
 * deployment), for tests that check what Cloudflare serves.
 * Scenarios, records and /__secrets are keyed by the app's name: a script named `aidevos-app-<app>`
 * (the default AIDEVOS_APP_SCRIPT_PREFIX) is keyed `<app>`; each record keeps the full `script` name.
 */
const APP_PREFIX = "aidevos-app-";
export const TEST_TOKEN = "cf-test-token-9d2f";

interface Failure {
  /** Without a status the call goes through normally (after `delayMs`, when set). */
  status?: number;
  errors?: { code: number; message: string }[];
  headers?: Record<string, string>;
  delayMs?: number;
}

interface Script {
  /** Secret names and values, as `PUT …/secrets` set them (kept across uploads: keep_bindings). */
  secrets?: Map<string, string>;
  migrationTag: string | null;
  classes: Set<string>;
  versions: { id: string; number: number }[];
  /** The upload's metadata `tags` (AIDevOS marks its app Workers). */
  tags?: string[];
  /** What serves the script's traffic: the last script upload, or the last deployment's versions. */
  live?: { version_id: string; percentage: number }[];
}

const scenarios = new Scenarios<Failure>();
const scripts = new Map<string, Script>();

async function rawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseUpload(req: IncomingMessage, body: Buffer) {
  const form = await new Request("http://fake/", {
    method: "POST",
    headers: { "content-type": String(req.headers["content-type"]) },
    body: new Uint8Array(body),
  }).formData();
  const metadataPart = form.get("metadata") as File;
  const metadata = JSON.parse(await metadataPart.text());
  const modules: Record<string, { type: string; content: string }> = {};
  for (const [name, value] of form.entries()) {
    if (name === "metadata" || typeof value === "string") continue;
    modules[name] = { type: value.type, content: await value.text() };
  }
  return { metadata, metadataType: metadataPart.type, modules };
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The R2 buckets of the fake account: the one wrangler.toml binds to the gateway. */
const BUCKETS = new Set(["aidevos-app-files"]);
const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * Why an upload's R2 binding is not one Cloudflare takes, or null: `{ type: "r2_bucket", name,
 * bucket_name }` with a valid binding name and the name of a bucket the account has.
 */
function r2BindingProblem(b: {
  type?: string;
  name?: unknown;
  bucket_name?: unknown;
}): { code: number; message: string } | null {
  if (b.type !== "r2_bucket") return null;
  if (typeof b.name !== "string" || !BINDING_NAME.test(b.name))
    return { code: 10021, message: `binding name ${String(b.name)} is not a valid JavaScript identifier` };
  if (typeof b.bucket_name !== "string" || !BUCKET_NAME.test(b.bucket_name))
    return { code: 10021, message: `binding ${b.name} needs a bucket_name that is a valid R2 bucket name` };
  if (!BUCKETS.has(b.bucket_name)) return { code: 10085, message: `R2 bucket ${b.bucket_name} does not exist` };
  return null;
}

/**
 * `PUT …/secrets` `{ name, text, type: "secret_text" }` and `DELETE …/secrets/{name}` on an existing
 * script. The record keeps the name and type; the value only as its length (tests search records for leaks).
 */
function secretCall(
  method: string,
  sub: string,
  body: Buffer,
  script: Script,
  key: string,
  record: Record<string, unknown>,
  send: (status: number, result: unknown, errors?: { code: number; message: string }[]) => void,
) {
  if (!scripts.has(key)) return send(404, null, [{ code: 10007, message: "script not found" }]);
  script.secrets ??= new Map();
  if (method === "PUT" && sub === "/secrets") {
    let secret: { name?: unknown; text?: unknown; type?: unknown };
    try {
      secret = JSON.parse(body.toString());
    } catch {
      return send(400, null, [{ code: 10026, message: "body must be JSON" }]);
    }
    if (secret.type !== "secret_text" || typeof secret.text !== "string" || typeof secret.name !== "string")
      return send(400, null, [{ code: 10021, message: "expected { name, text, type: secret_text }" }]);
    if (!SECRET_NAME.test(secret.name)) return send(400, null, [{ code: 10021, message: "bad secret name" }]);
    script.secrets.set(secret.name, secret.text);
    Object.assign(record, { secret: { name: secret.name, type: secret.type, length: secret.text.length } });
    return send(200, { name: secret.name, type: "secret_text" });
  }
  if (method === "DELETE" && sub.startsWith("/secrets/")) {
    const name = decodeURIComponent(sub.slice("/secrets/".length));
    Object.assign(record, { secret: { name } });
    if (!script.secrets.delete(name)) return send(404, null, [{ code: 10056, message: "secret not found" }]);
    return send(200, null);
  }
  return send(405, null, [{ code: 10000, message: "method not allowed" }]);
}

export function startFakeCloudflare(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (await scenarios.control(req, res)) return;
    if (req.url?.startsWith("/__secrets?")) {
      // The secrets a standalone script holds now (name → value), for tests: GET /__secrets?key=<script>.
      const name = new URL(req.url, "http://fake").searchParams.get("key") ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      const held = scripts.get(`/${APP_PREFIX}${name}`) ?? scripts.get(`/${name}`);
      return void res.end(JSON.stringify(Object.fromEntries(held?.secrets ?? [])));
    }
    if (req.url?.startsWith("/__live?")) {
      const name = new URL(req.url, "http://fake").searchParams.get("key") ?? "";
      const held = [...scripts].find(([key]) => key.endsWith(`/${APP_PREFIX}${name}`) || key.endsWith(`/${name}`));
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(held?.[1].live ?? null));
    }
    const record: Record<string, unknown> = { method: req.method };
    res.once("close", () => {
      if (!res.writableEnded) record.clientGone = true;
    });
    const send = (
      status: number,
      result: unknown,
      errors: NonNullable<Failure["errors"]> = [],
      headers: Record<string, string> = {},
    ) => {
      record.status = status;
      if (record.clientGone) return;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ success: status < 400, errors, messages: [], result }));
    };
    if (req.headers.authorization !== `Bearer ${TEST_TOKEN}`)
      return send(403, null, [{ code: 10000, message: "Authentication error" }]);
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && /^\/client\/v4\/accounts\/[^/]+\/workers\/scripts$/.test(url.pathname)) {
      const list = [...scripts].filter(([key]) => key.startsWith("/"));
      return send(
        200,
        list.map(([key, s]) => ({ id: key.slice(1), tags: s.tags ?? null, migration_tag: s.migrationTag })),
      );
    }
    const match =
      /^\/client\/v4\/accounts\/([^/]+)\/workers\/(?:dispatch\/namespaces\/([^/]+)\/)?scripts\/([^/]+)(\/versions|\/deployments|\/subdomain|\/script-settings|\/secrets(?:\/[^/]+)?)?$/.exec(
        url.pathname,
      );
    if (!match) return send(404, null, [{ code: 7003, message: "Could not route to " + url.pathname }]);
    const [, account, namespace, name, sub] = match as unknown as [
      string,
      string,
      string | undefined,
      string,
      string | undefined,
    ];
    const body = await rawBody(req);
    Object.assign(record, { account, namespace: namespace ?? null, sub: sub ?? null, script: name });
    const failure = scenarios.next(name.startsWith(APP_PREFIX) ? name.slice(APP_PREFIX.length) : name, record);
    if (failure?.delayMs) {
      record.held = failure.delayMs;
      await new Promise((r) => setTimeout(r, failure.delayMs));
    }
    if (failure?.status) return send(failure.status, null, failure.errors, failure.headers);
    const key = `${namespace ?? ""}/${name}`;
    const script = scripts.get(key) ?? { migrationTag: null, classes: new Set<string>(), versions: [] };

    if (sub?.startsWith("/secrets")) return secretCall(req.method ?? "", sub, body, script, key, record, send);
    if (req.method === "GET" && !sub && namespace) {
      if (!scripts.has(key)) return send(404, null, [{ code: 10007, message: `script ${name} not found` }]);
      return send(200, { script: { id: name, migration_tag: script.migrationTag, tags: script.tags ?? null } });
    }
    if (req.method === "DELETE" && !sub) {
      if (!scripts.delete(key)) return send(404, null, [{ code: 10007, message: `script ${name} not found` }]);
      return send(200, null);
    }
    if (req.method === "PUT" && !sub) {
      const upload = await parseUpload(req, body);
      Object.assign(record, upload);
      // Without keep_bindings the real API drops secrets an upload does not list.
      if (!upload.metadata.keep_bindings?.includes("secret_text")) script.secrets?.clear();
      const m = upload.metadata.migrations;
      // Checked before anything changes: a refused upload leaves the script as it was.
      const classes = new Set(script.classes);
      if (m) {
        if ((m.old_tag ?? null) !== script.migrationTag) {
          return send(400, null, [
            { code: 10079, message: `migration tag precondition failed: current tag is ${script.migrationTag}` },
          ]);
        }
        for (const c of m.new_sqlite_classes ?? []) {
          if (classes.has(c))
            return send(400, null, [{ code: 10074, message: `Cannot create class ${c}: it already exists` }]);
          classes.add(c);
        }
        for (const r of m.renamed_classes ?? []) {
          if (!classes.has(r.from))
            return send(400, null, [{ code: 10074, message: `Cannot rename class ${r.from}: it does not exist` }]);
          classes.delete(r.from);
          classes.add(r.to);
        }
      }
      for (const b of upload.metadata.bindings ?? []) {
        const r2 = r2BindingProblem(b);
        if (r2) return send(400, null, [r2]);
        if (b.type === "durable_object_namespace" && !b.script_name && !classes.has(b.class_name))
          return send(400, null, [
            {
              code: 10061,
              message: `Durable Object class ${b.class_name} has no migration: a new class must be declared by a migration`,
            },
          ]);
      }
      script.classes = classes;
      if (m) script.migrationTag = m.new_tag;
      script.tags = Array.isArray(upload.metadata.tags) ? upload.metadata.tags : [];
      const version = { id: randomUUID(), number: script.versions.length + 1 };
      script.versions.unshift(version);
      script.live = [{ version_id: version.id, percentage: 100 }];
      scripts.set(key, script);
      return send(200, { id: name, etag: version.id, compatibility_date: upload.metadata.compatibility_date });
    }
    if (req.method === "POST" && sub === "/versions") {
      const upload = await parseUpload(req, body);
      Object.assign(record, upload);
      if (upload.metadata.migrations)
        return send(400, null, [{ code: 10021, message: "migrations are not allowed in a version upload" }]);
      const r2 = (upload.metadata.bindings ?? []).map(r2BindingProblem).find(Boolean);
      if (r2) return send(400, null, [r2]);
      if (!scripts.has(key)) return send(404, null, [{ code: 10007, message: `script ${name} not found` }]);
      const version = { id: randomUUID(), number: script.versions.length + 1 };
      script.versions.unshift(version);
      return send(200, { id: version.id, number: version.number, resources: {} });
    }
    if (req.method === "GET" && sub === "/versions") return send(200, { items: script.versions });
    if (req.method === "POST" && sub === "/subdomain") {
      const setting = JSON.parse(body.toString());
      record.subdomain = setting;
      if (!scripts.has(key)) return send(404, null, [{ code: 10007, message: `script ${name} not found` }]);
      if (typeof setting.enabled !== "boolean")
        return send(400, null, [{ code: 10021, message: "enabled must be a boolean" }]);
      return send(200, { enabled: setting.enabled, previews_enabled: setting.previews_enabled ?? true });
    }
    if (req.method === "PATCH" && sub === "/script-settings") {
      // Script-level settings (tail consumers, logpush, observability), outside versions.
      const settings = JSON.parse(body.toString());
      record.settings = settings;
      if (!scripts.has(key)) return send(404, null, [{ code: 10007, message: `script ${name} not found` }]);
      if (settings.tail_consumers !== undefined && !Array.isArray(settings.tail_consumers))
        return send(400, null, [{ code: 10021, message: "tail_consumers must be an array" }]);
      return send(200, settings);
    }
    if (req.method === "POST" && sub === "/deployments") {
      const deployment = JSON.parse(body.toString());
      record.deployment = deployment;
      const total = deployment.versions.reduce((s: number, v: { percentage: number }) => s + v.percentage, 0);
      if (total !== 100) return send(400, null, [{ code: 10021, message: `percentages add up to ${total}, not 100` }]);
      if (
        !deployment.versions.every((v: { version_id: string }) => script.versions.some((x) => x.id === v.version_id))
      ) {
        return send(400, null, [{ code: 10007, message: "unknown version" }]);
      }
      script.live = deployment.versions;
      return send(200, { id: randomUUID(), strategy: deployment.strategy, versions: deployment.versions });
    }
    return send(405, null, [{ code: 10000, message: "method not allowed" }]);
  });
  return listen(server);
}
