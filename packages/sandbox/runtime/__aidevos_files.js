/**
 * The app's files on Cloudflare (AppSpec v3 "Files"), for the entry's PLATFORM (__aidevos_app.js):
 * there is no host around an uploaded app Worker, so the entry builds filePut, fileGet, filePromote,
 * fileDelete and fileList itself over the Worker's `APP_FILES` R2 binding (the deployer binds it) under the
 * app's own prefix, with the semantics of the host's AppPlatform (workers/deploy/src/files): a body of
 * declared length streamed through a FixedLengthStream, gathered into 256 KiB blocks and hashed on the
 * way; one without a length (a multipart body's file part) in 5 MiB parts of an R2 multipart upload;
 * over maxBytes nothing is stored. Only
 * the entry holds the bucket: app code sees ctx, never env.
 */
import { stageMultipart } from "./__aidevos_multipart.js";

const FILE_BLOCK = 256 * 1024;
/** R2's smallest part of a multipart upload (but the last): what a body of unknown length holds at most. */
const FILE_PART = 5 * 1024 * 1024;
/** How long a multipart body may bring nothing: the platform's AIDEVOS_UPLOAD_IDLE_MS default. */
const UPLOAD_IDLE_MS = 10_000;

function fileHex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fileBytes(body) {
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function fileKeyOf(prefix, key) {
  if (typeof key !== "string" || key.length > 2048)
    throw new Error("files: a key is a string of at most 2048 characters");
  return prefix + key;
}

function fileBlocks(hashing, maxBytes) {
  let block = new Uint8Array(FILE_BLOCK);
  let filled = 0;
  let size = 0;
  const pass = async (controller) => {
    const out = block.subarray(0, filled);
    block = new Uint8Array(FILE_BLOCK);
    filled = 0;
    await hashing.write(out);
    controller.enqueue(out);
  };
  const stream = new TransformStream({
    async transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new RangeError("over maxBytes");
      let at = 0;
      while (at < chunk.byteLength) {
        const n = Math.min(chunk.byteLength - at, FILE_BLOCK - filled);
        // A plain loop, not block.set(): the guard charges the request for every byte a native call
        // touches in this isolate, and a 10 MiB upload would spend its whole budget.
        for (let i = 0; i < n; i++) block[filled + i] = chunk[at + i];
        filled += n;
        at += n;
        if (filled === FILE_BLOCK) await pass(controller);
      }
    },
    async flush(controller) {
      if (filled > 0) await pass(controller);
      await hashing.close();
    },
  });
  return { stream, size: () => size };
}

/**
 * A stream of unknown length (a part of a multipart body, a chunked upload) into the bucket in parts
 * of R2's smallest size, as the host does (workers/deploy/src/files/stream.ts): one put if it ends
 * within the first part, else a multipart upload, aborted on any failure so nothing is stored. It
 * holds one part at most, never the whole body. Its size in bytes.
 */
async function putInParts(bucket, key, stream, httpMetadata) {
  const reader = stream.getReader();
  let part = new Uint8Array(FILE_PART);
  let filled = 0;
  let size = 0;
  let upload = null;
  const parts = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      let at = 0;
      while (at < value.byteLength) {
        const n = Math.min(value.byteLength - at, FILE_PART - filled);
        // A plain loop, not part.set(): see fileBlocks.
        for (let i = 0; i < n; i++) part[filled + i] = value[at + i];
        filled += n;
        at += n;
        if (filled === FILE_PART) {
          upload ??= await bucket.createMultipartUpload(key, { httpMetadata });
          parts.push(await upload.uploadPart(parts.length + 1, part));
          part = new Uint8Array(FILE_PART);
          filled = 0;
        }
      }
    }
    const last = part.subarray(0, filled);
    if (!upload) await bucket.put(key, last, { httpMetadata });
    else {
      if (filled > 0) parts.push(await upload.uploadPart(parts.length + 1, last));
      await upload.complete(parts);
    }
    return size;
  } catch (err) {
    if (upload) await upload.abort().catch(() => {});
    await reader.cancel().catch(() => {});
    throw err;
  }
}

export function filesPlatform(bucket, prefix) {
  const platform = {
    async filePut(key, body, options) {
      const full = fileKeyOf(prefix, key);
      const httpMetadata = { contentType: options.contentType };
      if (!(body instanceof ReadableStream)) {
        const bytes = fileBytes(body);
        if (bytes.byteLength > options.maxBytes) return { ok: false, tooLarge: true };
        const sha256 = fileHex(await crypto.subtle.digest("SHA-256", bytes));
        await bucket.put(full, bytes, { httpMetadata });
        return { ok: true, size: bytes.byteLength, sha256 };
      }
      if (options.length !== null && options.length > options.maxBytes) {
        await body.cancel().catch(() => {});
        return { ok: false, tooLarge: true };
      }
      const digest = new crypto.DigestStream("SHA-256");
      const blocks = fileBlocks(digest.getWriter(), options.maxBytes);
      if (options.length !== null) {
        const fixed = new FixedLengthStream(options.length);
        await Promise.all([
          bucket.put(full, fixed.readable, { httpMetadata }),
          body.pipeThrough(blocks.stream).pipeTo(fixed.writable),
        ]);
        return { ok: true, size: options.length, sha256: fileHex(await digest.digest) };
      }
      try {
        const size = await putInParts(bucket, full, body.pipeThrough(blocks.stream), httpMetadata);
        return { ok: true, size, sha256: fileHex(await digest.digest) };
      } catch (err) {
        if (blocks.size() > options.maxBytes) return { ok: false, tooLarge: true };
        throw err;
      }
    },
    async fileGet(key) {
      const object = await bucket.get(fileKeyOf(prefix, key));
      if (!object) return null;
      return {
        body: object.body,
        contentType: object.httpMetadata?.contentType || "application/octet-stream",
        size: object.size,
        sha256: object.customMetadata?.sha256 || null,
      };
    },
    /** A multipart create or update read as it arrives, its file parts staged (__aidevos_multipart.js). */
    async fileStageMultipart(body, contentType, plan) {
      return stageMultipart(
        body,
        contentType,
        plan,
        (key, stream, options) => platform.filePut(key, stream, options),
        (keys) => platform.fileDelete(keys),
        UPLOAD_IDLE_MS,
      );
    },
    /** A multipart write's staged blob moved to its record's key, streamed bucket to bucket, then deleted. */
    async filePromote(from, to) {
      const object = await bucket.get(fileKeyOf(prefix, from));
      if (!object) throw new Error("files: the staged upload to promote is gone");
      const fixed = new FixedLengthStream(object.size);
      await Promise.all([
        bucket.put(fileKeyOf(prefix, to), fixed.readable, {
          httpMetadata: object.httpMetadata,
          customMetadata: object.customMetadata,
        }),
        object.body.pipeTo(fixed.writable),
      ]);
      await bucket.delete(fileKeyOf(prefix, from));
    },
    async fileDelete(keys) {
      const full = keys.map((k) => fileKeyOf(prefix, k));
      for (let i = 0; i < full.length; i += 1000) await bucket.delete(full.slice(i, i + 1000));
    },
    async fileList(start, limit) {
      const out = [];
      const wanted = Math.min(Math.max(limit, 0), 1000);
      let cursor;
      do {
        const page = await bucket.list({
          prefix: fileKeyOf(prefix, start),
          limit: Math.min(1000, wanted - out.length),
          cursor,
          include: ["httpMetadata"],
        });
        for (const o of page.objects)
          out.push({
            key: o.key.slice(prefix.length),
            size: o.size,
            contentType: o.httpMetadata?.contentType || "application/octet-stream",
          });
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor && out.length < wanted);
      return out;
    },
  };
  return platform;
}
