/**
 * How an upload flows into the bucket (AppSpec v3 "Files"): read in blocks, hashed and counted on the
 * way, and never held whole. Measured (bench/data.run.ts): a pipe of TransformStreams saw one 4 KiB
 * chunk at a time from a request body (2,560 JavaScript turns per 10 MiB, each a new buffer) and ran at
 * two thirds of a direct put, while workerd's RSS grew by the bytes in flight; reading in place with
 * workerd's `readAtLeast` into one reused buffer makes forty turns per 10 MiB and holds one block.
 */

/** How much an upload reads at once: what it holds while a block goes to the digest and the bucket. */
const BLOCK_BYTES = 256 * 1024;
/** R2's smallest part of a multipart upload (but the last): what a body of unknown length holds at most. */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * The blocks of a stream, up to BLOCK_BYTES each. A byte stream (a request body, a stream sent by RPC)
 * is read in place into one buffer, handed back by each read and reused for the next: a block is only
 * valid until the consumer asks for the next one. Leaving the loop early cancels the stream.
 */
export async function* blocksOf(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    // A stream of chunks made in JavaScript (not a byte stream): gathered into blocks.
    yield* regrouped(chunksOf(body, idleMs), BLOCK_BYTES);
    return;
  }
  let buffer = new ArrayBuffer(BLOCK_BYTES);
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await unlessIdle(reader.readAtLeast(BLOCK_BYTES, new Uint8Array(buffer)), idleMs);
      if (value) buffer = value.buffer as ArrayBuffer;
      if (value && value.byteLength > 0) yield value;
      if (done) break;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel("the upload was stopped").catch(() => {});
  }
}

/** A stream's chunks as its reader hands them over, each read bounded by `idleMs`; leaving early cancels it. */
async function* chunksOf(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await unlessIdle(reader.read(), idleMs);
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel("the upload was stopped").catch(() => {});
  }
}

/**
 * Chunks regrouped into blocks of `size` bytes, the last one shorter; each block is a buffer of its own,
 * which the consumer may keep. A chunk is copied out before the next is asked for, so chunks may reuse
 * their buffer.
 */
async function* regrouped(
  chunks: AsyncIterable<Uint8Array>,
  size: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let block = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of chunks) {
    let at = 0;
    while (at < chunk.byteLength) {
      const n = Math.min(chunk.byteLength - at, size - filled);
      block.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === size) {
        yield block;
        block = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield block.subarray(0, filled);
}

/** Blocks counted and hashed by `tally` as they pass. */
async function* tallied(blocks: AsyncIterable<Uint8Array>, tally: Tally): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const block of blocks) {
    await tally.take(block);
    yield block;
  }
}

/** A body that went past its limit while streaming: nothing is stored. */
export class OverLimit extends Error {}

/** A body that brought nothing for its idle time (a stalled client): nothing is stored. */
export class Stalled extends Error {}

/**
 * A read, or Stalled once `idleMs` pass without it settling: the client's upload time is bounded by its
 * pace, not by the app's deadline. A read of a whole block is timed, so the bound is a rate: a block
 * (256 KiB) or the end within `idleMs`.
 */
async function unlessIdle<T>(read: Promise<T>, idleMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Stalled(`no bytes for ${idleMs} ms`)), idleMs);
  });
  try {
    return await Promise.race([read, idle]);
  } finally {
    clearTimeout(timer);
  }
}

export const hex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Counts and hashes blocks as they pass: `take` refuses a block past `maxBytes` (OverLimit) before
 * anything more of it is used.
 */
export class Tally {
  size = 0;
  private readonly digest = new crypto.DigestStream("SHA-256");
  private readonly hashing = this.digest.getWriter();

  constructor(private readonly maxBytes: number) {}

  async take(block: Uint8Array): Promise<void> {
    this.size += block.byteLength;
    if (this.size > this.maxBytes) throw new OverLimit(`over ${this.maxBytes} bytes`);
    await this.hashing.write(block);
  }

  async sha256(): Promise<string> {
    await this.hashing.close();
    return hex(await this.digest.digest);
  }
}

/**
 * A body of declared length into the bucket: a FixedLengthStream carries the length R2 needs up front
 * and fails the put if the body differs, so a short or long body stores nothing.
 */
export async function putKnownLength(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  tally: Tally,
  httpMetadata: R2HTTPMetadata,
  idleMs: number,
): Promise<void> {
  const fixed = new FixedLengthStream(length);
  const writer = fixed.writable.getWriter();
  const stored = bucket.put(key, fixed.readable, { httpMetadata });
  try {
    for await (const block of blocksOf(body, idleMs)) {
      await tally.take(block);
      // Resolves once the bucket's side has read the block: only then is its buffer read into again.
      await writer.write(block);
    }
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => {});
    await stored.catch(() => {});
    throw err;
  }
  await stored;
}

/**
 * A body of unknown length (chunked, or a part of a multipart body): gathered into parts of
 * PART_BYTES, R2's smallest; a body that ends within the first part is one put, a longer one a
 * multipart upload (aborted on any failure, so nothing is stored). It holds one part at most.
 */
export async function putUnknownLength(
  bucket: R2Bucket,
  key: string,
  blocks: AsyncIterable<Uint8Array>,
  tally: Tally,
  httpMetadata: R2HTTPMetadata,
): Promise<void> {
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let last: Uint8Array | null = null;
  try {
    for await (const part of regrouped(tallied(blocks, tally), PART_BYTES)) {
      if (part.byteLength < PART_BYTES) {
        last = part;
        continue;
      }
      upload ??= await bucket.createMultipartUpload(key, { httpMetadata });
      parts.push(await upload.uploadPart(parts.length + 1, part));
    }
    if (!upload) {
      await bucket.put(key, last ?? new Uint8Array(0), { httpMetadata });
      return;
    }
    if (last) parts.push(await upload.uploadPart(parts.length + 1, last));
    await upload.complete(parts);
  } catch (err) {
    if (upload) await upload.abort().catch(() => {});
    throw err;
  }
}
