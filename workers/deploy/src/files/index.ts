/**
 * Files of generated apps in R2 (AppSpec v3 "Files"): `file` fields and ctx.files, in the APP_FILES
 * bucket under `{app}/…` (the runtime's files.js adds the partition's scope, the record and the
 * field, or `f/` and the ctx.files key). Uploads are streamed (stream.ts): counted and hashed on the
 * way to the bucket, never held whole in memory; over `maxBytes` the upload is aborted and nothing is stored.
 */

import { uploadSlot } from "./slots";
import { blocksOf, hex, OverLimit, putKnownLength, putUnknownLength, Stalled, Tally } from "./stream";

/** What a put stored, or that the body was over its limit (nothing stored then). */
export type FilePut =
  | { ok: true; size: number; sha256: string }
  | { ok: false; tooLarge: true }
  | { ok: false; stalled: true; idleMs: number };

/** A stored blob as the app reads it. */
export interface FileRead {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  size: number;
  sha256: string | null;
}

export interface FileListed {
  key: string;
  size: number;
  contentType: string;
}

/** What a put takes: the bytes (a stream when streamed), their declared length if known, and the limits. */
export interface FilePutOptions {
  contentType: string;
  maxBytes: number;
  /** Content-Length of a streamed body, or null (then it goes in parts of 5 MiB, R2's smallest). */
  length: number | null;
}

/** How long a streamed body may bring nothing (AIDEVOS_UPLOAD_IDLE_MS): the platform's setting, not the app's. */
export interface FileLimits {
  idleMs: number;
}

function bytesOf(body: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Stores a blob; a stream is counted and hashed while it flows into the bucket (stream.ts): with its
 * declared length straight through, without one in parts of R2's smallest size.
 */
export async function putFile(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | string | ArrayBuffer | ArrayBufferView,
  options: FilePutOptions,
  limits: FileLimits,
): Promise<FilePut> {
  const httpMetadata = { contentType: options.contentType };
  if (!(body instanceof ReadableStream)) {
    const bytes = bytesOf(body);
    if (bytes.byteLength > options.maxBytes) return { ok: false, tooLarge: true };
    const sha256 = hex(await crypto.subtle.digest("SHA-256", bytes));
    await bucket.put(key, bytes, { httpMetadata, customMetadata: { sha256 } });
    return { ok: true, size: bytes.byteLength, sha256 };
  }
  if (options.length !== null && options.length > options.maxBytes) {
    await body.cancel().catch(() => {});
    return { ok: false, tooLarge: true };
  }
  const tally = new Tally(options.maxBytes);
  const release = await uploadSlot();
  try {
    if (options.length !== null)
      await putKnownLength(bucket, key, body, options.length, tally, httpMetadata, limits.idleMs);
    else await putUnknownLength(bucket, key, blocksOf(body, limits.idleMs), tally, httpMetadata);
  } catch (err) {
    if (err instanceof OverLimit) return { ok: false, tooLarge: true };
    if (err instanceof Stalled) return { ok: false, stalled: true, idleMs: limits.idleMs };
    throw err;
  } finally {
    release();
  }
  // Known only once every byte went by: the record keeps it (and serves it as the ETag).
  return { ok: true, size: tally.size, sha256: await tally.sha256() };
}

export async function getFile(bucket: R2Bucket, key: string): Promise<FileRead | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  return {
    body: object.body,
    contentType: object.httpMetadata?.contentType ?? "application/octet-stream",
    size: object.size,
    sha256: object.customMetadata?.sha256 ?? null,
  };
}

/**
 * Moves a staged blob to its record's key (a multipart create or update, once its record is written):
 * the bytes flow from the bucket back into it inside the host, never through the app and never whole
 * in memory (R2's put takes a stream of known length), with the blob's type and hash; then the staged
 * blob goes. A missing staged blob is an error: the record must not name bytes that are not there.
 */
export async function promoteFile(bucket: R2Bucket, from: string, to: string): Promise<void> {
  const object = await bucket.get(from);
  if (!object) throw new Error("files: the staged upload to promote is gone");
  const fixed = new FixedLengthStream(object.size);
  await Promise.all([
    bucket.put(to, fixed.readable, {
      httpMetadata: object.httpMetadata,
      customMetadata: object.customMetadata,
    }),
    object.body.pipeTo(fixed.writable),
  ]);
  await bucket.delete(from);
}

export async function deleteFiles(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}

/** Every key under a prefix (the caller strips it), in key order, at most `limit`. */
export async function listFiles(bucket: R2Bucket, prefix: string, limit: number): Promise<FileListed[]> {
  const out: FileListed[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix,
      limit: Math.min(1000, limit - out.length),
      cursor,
      include: ["httpMetadata"],
    });
    for (const o of page.objects)
      out.push({ key: o.key, size: o.size, contentType: o.httpMetadata?.contentType ?? "application/octet-stream" });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && out.length < limit);
  return out;
}
