/**
 * files.js of every generated app: AppSpec v3 "Files". `file` fields (PUT/GET/DELETE
 * B/{plural}/{id}/files/{field}, multipart/form-data creates and updates, a JSON null deletes),
 * ctx.files and ctx.entities.<plural>.file(). The bytes live in object storage (R2), reached through
 * the app's platform (env.PLATFORM: locally the host's AppPlatform, by RPC; bodies stream through
 * it); this partition's SQLite holds each field's `{ size, contentType, sha256 }`. Keys are
 * `{scope}/r/{entity}/{id}/{field}` and `{scope}/f/{ctx.files key}`, where the scope is a random id
 * kept in this partition's storage: partitions, and staging copies with empty storage, never meet.
 */
import {
  currentFields,
  HttpError,
  isPlainObject,
  MAX_BODY_BYTES,
  methodNotAllowed,
  notFound,
  operationsOf,
  parseFilterValue,
  validationFailed,
} from "./model.js";

export const FILE_MAX_BYTES = 10 * 1024 * 1024;
/** Parts a multipart create or update may have: each is a field, and an entity has a bounded number of them. */
const MAX_PARTS = 100;
const KEY_MAX = 512;
const LIST_LIMIT = 1000;

const unsupported = (message) => new HttpError(415, "unsupported_media_type", message);
const fileTooLarge = (max) => new HttpError(413, "payload_too_large", `the file is larger than ${max} bytes`);
/** The platform's answer to a put that was not stored: too large, or (stalled) the upload stopped bringing bytes. */
const notStored = (put, max) =>
  put.stalled
    ? new HttpError(
        408,
        "request_timeout",
        `the upload brought too little for ${put.idleMs} ms (at least 256 KiB or its end each time); nothing was stored, send it again`,
      )
    : fileTooLarge(max);

function platformOf(app) {
  const platform = app.env?.PLATFORM;
  if (!platform || typeof platform.filePut !== "function")
    throw new HttpError(404, "not_found", "files are not available to this app");
  return platform;
}

/** This partition's scope in the bucket, made once and kept in its storage. */
function scopeOf(app) {
  if (app.filesScope) return app.filesScope;
  const row = app.sql.exec("SELECT value FROM _meta WHERE key = 'files_scope'").toArray()[0];
  let scope = row ? String(row.value) : null;
  if (!scope) {
    scope = crypto.randomUUID();
    app.sql.exec("INSERT OR IGNORE INTO _meta (key, value) VALUES ('files_scope', ?)", scope);
    scope = String(app.sql.exec("SELECT value FROM _meta WHERE key = 'files_scope'").one().value);
  }
  app.filesScope = scope;
  return scope;
}

const recordKey = (app, entityName, id, field) => `${scopeOf(app)}/r/${entityName}/${id}/${field}`;

/** A stored value that is a file's metadata. */
function isFileValue(v) {
  return isPlainObject(v) && typeof v.sha256 === "string" && typeof v.size === "number";
}

/** `type/subtype` of a Content-Type, lower-case, parameters dropped. */
function mediaType(header) {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Whether a media type is one the field takes (`type/*` takes the whole type). */
function allowed(field, type) {
  if (!field.contentTypes) return true;
  return field.contentTypes.some((r) => r === type || (r.endsWith("/*") && type.startsWith(r.slice(0, -1))));
}

/**
 * Files whose record went (a delete, a cascade, an expiry, a JSON null), noted by records.js and
 * app.js as they happen, deleted from the bucket once the request is answered (app.js).
 */
export function noteGone(app, entityName, id, data, only) {
  const names = Object.keys(data).filter((k) => isFileValue(data[k]) && (!only || only.includes(k)));
  if (names.length === 0) return;
  app.goneFiles ??= [];
  for (const name of names) app.goneFiles.push(recordKey(app, entityName, id, name));
}

/** Deletes the noted files; a failure leaves a blob behind, never an error for the request. */
export async function dropGoneFiles(app) {
  const keys = app.goneFiles;
  if (!keys || keys.length === 0) return;
  app.goneFiles = [];
  try {
    await platformOf(app).fileDelete(keys);
  } catch {
    // An orphaned blob costs storage only: no record points at it.
  }
}

/** The bytes of an upload into the bucket, checked against the field: size first (413), then type (415). */
async function store(app, entity, id, name, field, body, length, contentTypeHeader) {
  const max = field.maxBytes ?? FILE_MAX_BYTES;
  if (length !== null && length > max) throw fileTooLarge(max);
  const type = mediaType(contentTypeHeader) || "application/octet-stream";
  if (!allowed(field, type)) throw unsupported(`${name} takes ${field.contentTypes.join(", ")}, not ${type}`);
  const contentType = (contentTypeHeader ?? "").trim() || type;
  const key = recordKey(app, entity.name, id, name);
  const put = await platformOf(app).filePut(key, body ?? "", { contentType, maxBytes: max, length });
  if (!put.ok) throw notStored(put, max);
  return { size: put.size, contentType, sha256: put.sha256 };
}

/** Writes file metadata on a record; if the record went meanwhile, its new blob goes too. */
function setFiles(app, entity, id, values) {
  try {
    return app.records.write(entity, app.records.row(entity, id), values);
  } catch (err) {
    app.goneFiles ??= [];
    for (const name of Object.keys(values)) app.goneFiles.push(recordKey(app, entity.name, id, name));
    throw err;
  }
}

/** PUT, GET and DELETE of `B/{plural}/{id}/files/{field}`. */
export async function fileRoute(app, entity, id, name, request) {
  const field = Object.hasOwn(entity.fields, name) ? entity.fields[name] : null;
  if (!field || field.type !== "file") throw notFound(`file field ${name}`);
  const ops = operationsOf(entity);
  const methods = [];
  if (ops.includes("get")) methods.push("GET");
  if (ops.includes("update")) methods.push("PUT", "DELETE");
  if (methods.length === 0) throw notFound(`route /${entity.plural}/${id}/files/${name}`);
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (!methods.includes(method)) throw methodNotAllowed(methods);
  const row = app.records.row(entity, id);
  const current = currentFields(entity, JSON.parse(String(row.data)))[name];
  if (method === "GET") {
    if (!isFileValue(current)) throw notFound(`${entity.name} ${id} has no ${name}`);
    const etag = `"${current.sha256}"`;
    const wanted = (request.headers.get("if-none-match") ?? "").split(",").map((t) => t.trim().replace(/^W\//, ""));
    if (wanted.includes(etag) || wanted.includes("*")) return new Response(null, { status: 304, headers: { etag } });
    const file = await platformOf(app).fileGet(recordKey(app, entity.name, id, name));
    if (!file) throw notFound(`${entity.name} ${id} has no ${name}`);
    return new Response(request.method === "HEAD" ? null : file.body, {
      headers: {
        "content-type": current.contentType,
        "content-length": String(file.size),
        etag,
        "content-disposition": "attachment",
      },
    });
  }
  if (method === "DELETE") {
    // records.js notes the file as gone (a JSON null does the same).
    app.records.write(entity, row, { [name]: null });
    return new Response(null, { status: 204 });
  }
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : null;
  const value = await store(app, entity, id, name, field, request.body, length, request.headers.get("content-type"));
  return Response.json(setFiles(app, entity, id, { [name]: value }));
}

/** Whether a body is multipart/form-data (a create or update may be). */
export function isMultipart(request) {
  return mediaType(request.headers.get("content-type")) === "multipart/form-data";
}

/** A text part as the field's value, as a query filter reads it (json and array as JSON text; empty is null). */
function textValue(field, text) {
  if (text === "") return { value: null };
  if (!field) return { value: text };
  if (field.type === "json" || field.type === "array") {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { problem: "must be JSON text" };
    }
  }
  if (field.type === "file") return { problem: "takes a file part (or an empty part to delete it)" };
  if (field.type === "string" || field.type === "ref") return { value: text };
  const value = parseFilterValue(field, text);
  return value === undefined ? { problem: `not a valid ${field.type}` } : { value };
}

/**
 * A multipart create or update (`write` makes the record from the text parts, as from a JSON body, and
 * returns it). The body is read once as it arrives (readParts): text parts are gathered, each file
 * part is checked against its field and streamed into the bucket while the rest is still coming. An
 * update's file parts go to staging keys of this partition's scope: only once the whole body was valid
 * and `write` succeeded does the record take their metadata and each staged blob move to the record's
 * key (the platform's filePromote, a copy inside the platform), so the old file is never overwritten by
 * a write that does not happen. A create (`newId`: the id `write` gives the record) streams straight to
 * its record's keys: no record has that id before it succeeds. A failed create or update changes no
 * record and no file; the blobs it left are deleted before the answer.
 */
export async function writeMultipart(app, entity, request, write, newId = null) {
  const staged = new Map();
  const stagedKeys = [];
  const kept = new Set();
  try {
    const body = await readParts(app, entity, request, staged, stagedKeys, newId);
    const record = write(body);
    if (staged.size === 0) return record;
    const before = currentFields(entity, JSON.parse(String(app.records.row(entity, record.id).data)));
    const values = Object.fromEntries([...staged].map(([name, s]) => [name, s.value]));
    const written = setFiles(app, entity, record.id, values);
    if (newId !== null) {
      for (const key of stagedKeys) kept.add(key);
      return written;
    }
    const platform = platformOf(app);
    for (const [name, s] of staged) {
      try {
        await platform.filePromote(s.key, recordKey(app, entity.name, record.id, name));
        kept.add(s.key);
      } catch (err) {
        // The record names no file whose bytes are not at its key: fields not yet moved get back their
        // metadata of before (their blobs were never touched); those moved keep the new one.
        const back = Object.fromEntries(
          [...staged].filter(([, t]) => !kept.has(t.key)).map(([n]) => [n, before[n] ?? null]),
        );
        setFiles(app, entity, record.id, back);
        throw err;
      }
    }
    return written;
  } finally {
    const left = stagedKeys.filter((key) => !kept.has(key));
    if (left.length > 0) {
      app.goneFiles ??= [];
      app.goneFiles.push(...left);
    }
  }
}

/**
 * Reads a multipart body through the platform (fileStageMultipart: outside the sandbox, whose guard
 * charges every byte a native call touches), which streams its file parts to keys of this partition's
 * scope as they arrive (a new record's own keys, or staging keys) and gathers its text parts. `staged`: field name → key and
 * metadata (the last part of a field wins); `stagedKeys`: every key staged, for clean-up. The text
 * parts as a JSON body would give them; every problem of them in one 400.
 */
async function readParts(app, entity, request, staged, stagedKeys, newId) {
  const fileFields = Object.entries(entity.fields).filter(([, f]) => f.type === "file");
  const budget = MAX_BODY_BYTES + fileFields.reduce((sum, [, f]) => sum + (f.maxBytes ?? FILE_MAX_BYTES), 0);
  const budgetMessage = `a multipart body for ${entity.plural} is at most ${budget} bytes`;
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > budget) throw new HttpError(413, "payload_too_large", budgetMessage);
  const read = await platformOf(app).fileStageMultipart(request.body, request.headers.get("content-type") ?? "", {
    budget,
    budgetMessage,
    maxTextBytes: MAX_BODY_BYTES,
    maxParts: MAX_PARTS,
    // A new record's files go to their own keys ({prefix}{field}); an update's to random staging keys.
    stagePrefix: newId === null ? `${scopeOf(app)}/s/` : `${scopeOf(app)}/r/${entity.name}/${newId}/`,
    stageByName: newId !== null,
    files: Object.fromEntries(
      fileFields.map(([name, f]) => [
        name,
        { maxBytes: f.maxBytes ?? FILE_MAX_BYTES, contentTypes: f.contentTypes ?? null },
      ]),
    ),
  });
  if (!read.ok) throw new HttpError(read.status, read.code, read.message, read.details);
  // Every staged blob is the caller's to promote or delete, whatever fails next.
  for (const part of read.parts) if (part.file) stagedKeys.push(part.file.key);
  const body = {};
  const details = [];
  for (const part of read.parts) {
    const { name } = part;
    const field = name !== null && Object.hasOwn(entity.fields, name) ? entity.fields[name] : null;
    if (part.file) {
      const { key, size, contentType, sha256 } = part.file;
      staged.set(name, { key, value: { size, contentType, sha256 } });
    } else if (name === null) {
      details.push({ path: "", message: "a part has no name (Content-Disposition: form-data; name=…)" });
    } else if (part.refused) {
      details.push({ path: name, message: field ? "takes text, not a file" : "unknown field" });
    } else {
      const { value, problem } = textValue(field, part.text);
      if (problem) details.push({ path: name, message: problem });
      else body[name] = value;
    }
  }
  if (details.length > 0) throw validationFailed(details);
  return body;
}

function keyOf(key, what) {
  if (typeof key !== "string" || key.length === 0 || key.length > KEY_MAX)
    throw validationFailed([{ path: "key", message: `${what}: key must be a string of 1 to ${KEY_MAX} characters` }]);
  return key;
}

async function readAll(file) {
  return { body: await new Response(file.body).arrayBuffer(), contentType: file.contentType, size: file.size };
}

/** ctx.files: blobs per partition, a namespace apart from file fields. */
export function filesApi(app) {
  const prefix = () => `${scopeOf(app)}/f/`;
  return Object.freeze({
    async put(key, body, options = {}) {
      keyOf(key, "ctx.files.put");
      const ok =
        typeof body === "string" ||
        body instanceof ArrayBuffer ||
        ArrayBuffer.isView(body) ||
        body instanceof ReadableStream;
      if (!ok)
        throw validationFailed([
          { path: "body", message: "ctx.files.put: body must be a string, ArrayBuffer, typed array or stream" },
        ]);
      const contentType =
        typeof options?.contentType === "string" && options.contentType
          ? options.contentType
          : typeof body === "string"
            ? "text/plain; charset=utf-8"
            : "application/octet-stream";
      const put = await platformOf(app).filePut(prefix() + key, body, {
        contentType,
        maxBytes: FILE_MAX_BYTES,
        length: null,
      });
      if (!put.ok) throw notStored(put, FILE_MAX_BYTES);
    },
    async get(key) {
      keyOf(key, "ctx.files.get");
      const file = await platformOf(app).fileGet(prefix() + key);
      return file ? readAll(file) : undefined;
    },
    async delete(key) {
      keyOf(key, "ctx.files.delete");
      await platformOf(app).fileDelete([prefix() + key]);
    },
    async list(start = "") {
      if (typeof start !== "string")
        throw validationFailed([{ path: "prefix", message: "ctx.files.list: prefix must be a string" }]);
      const own = prefix();
      const listed = await platformOf(app).fileList(own + start, LIST_LIMIT);
      return listed.map((f) => ({ key: f.key.slice(own.length), size: f.size, contentType: f.contentType }));
    },
  });
}

/** ctx.entities.<plural>.file(id, field): the bytes of a file field, or undefined when unset. */
export async function readFileField(app, entity, id, name) {
  const field = Object.hasOwn(entity.fields, name) ? entity.fields[name] : null;
  if (!field || field.type !== "file")
    throw validationFailed([{ path: "field", message: `${String(name)} is not a file field of ${entity.name}` }]);
  const row = app.records.row(entity, String(id));
  const current = currentFields(entity, JSON.parse(String(row.data)))[name];
  if (!isFileValue(current)) return undefined;
  const file = await platformOf(app).fileGet(recordKey(app, entity.name, String(id), name));
  return file ? { ...(await readAll(file)), contentType: current.contentType } : undefined;
}
