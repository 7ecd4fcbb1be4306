/**
 * Files of generated apps in R2 (AppSpec v3 "Files"): `file` fields and ctx.files, in the APP_FILES
 * bucket under `{app}/…` (the runtime's files.js adds the partition's scope, the record and the
 * field, or `f/` and the ctx.files key). Uploads are streamed: counted and hashed on the way to the
 * bucket, never held whole in memory; over `maxBytes` the upload is aborted and nothing is stored.
 */

/** What a put stored, or that the body was over its limit (nothing stored then). */
export type FilePut = { ok: true; size: number; sha256: string } | { ok: false; tooLarge: true };

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
  /** Content-Length of a streamed body, or null (then the body is read up to maxBytes first). */
  length: number | null;
}

class TooLarge extends Error {}

/** How much a streamed upload gathers before hashing and passing it on. */
const BLOCK_BYTES = 256 * 1024;

/**
 * Gathers an upload's chunks (4 KiB each as they arrive from the app by RPC) into blocks, hashes each
 * block and passes it on: every stage after this one (the length check, the bucket) then sees forty
 * calls for 10 MiB instead of 2,560.
 */
function rechunked(hashing: WritableStreamDefaultWriter<Uint8Array>): TransformStream<Uint8Array, Uint8Array> {
  let block = new Uint8Array(BLOCK_BYTES);
  let filled = 0;
  const pass = async (controller: TransformStreamDefaultController<Uint8Array>) => {
    const out = block.subarray(0, filled);
    block = new Uint8Array(BLOCK_BYTES);
    filled = 0;
    await hashing.write(out);
    controller.enqueue(out);
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      let at = 0;
      while (at < chunk.byteLength) {
        const n = Math.min(chunk.byteLength - at, BLOCK_BYTES - filled);
        block.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === BLOCK_BYTES) await pass(controller);
      }
    },
    async flush(controller) {
      if (filled > 0) await pass(controller);
      await hashing.close();
    },
  });
}

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

function bytesOf(body: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** Stores a blob; a stream is counted and hashed while it flows into the bucket. */
export async function putFile(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | string | ArrayBuffer | ArrayBufferView,
  options: FilePutOptions,
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
  const digest = new crypto.DigestStream("SHA-256");
  if (options.length !== null) {
    // A declared length within maxBytes: R2 needs it up front, and a FixedLengthStream carrying it fails
    // if the body differs (the put then fails and stores nothing), so nothing needs counting here.
    const fixed = new FixedLengthStream(options.length);
    await Promise.all([
      bucket.put(key, fixed.readable, { httpMetadata }),
      body.pipeThrough(rechunked(digest.getWriter())).pipeTo(fixed.writable),
    ]);
    return { ok: true, size: options.length, sha256: hex(await digest.digest) };
  }
  // No declared length (chunked): counted on the way, read up to maxBytes, then stored.
  const hashing = digest.getWriter();
  let size = 0;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw new TooLarge("over maxBytes");
        await hashing.write(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        await hashing.close();
      },
    }),
  );
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await new Response(counted).arrayBuffer());
  } catch (err) {
    if (size > options.maxBytes || err instanceof TooLarge) return { ok: false, tooLarge: true };
    throw err;
  }
  await bucket.put(key, bytes, { httpMetadata });
  // Known only once every byte went by: the record keeps it (and serves it as the ETag).
  return { ok: true, size, sha256: hex(await digest.digest) };
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
