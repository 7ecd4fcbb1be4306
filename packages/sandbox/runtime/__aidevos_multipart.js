/**
 * A streaming multipart/form-data reader (RFC 7578) for an app's multipart creates and updates
 * (AppSpec v3 "Files"), run by the app's platform outside the sandbox: locally by the host's
 * AppPlatform (workers/deploy/src/files), on Cloudflare by the uploaded entry (__aidevos_files.js).
 * It reads the body once, in the chunks it arrives in, holding one chunk plus a boundary's length:
 * text parts are gathered (bounded), each file part is checked against its field (type from its
 * header before a byte is stored, size while it streams) and streamed into the bucket under a staging
 * key as it arrives, so a 10 MiB file never sits whole anywhere. Every way a body can be wrong ends in
 * an error answer, never a hang: past its byte budget (413), a header section past MAX_HEADER_BYTES,
 * a body that ends before its closing boundary, a malformed boundary line, too many parts (400).
 * Not in the app's runtime: the sandbox's guard charges every byte a native call touches, and a
 * 10 MiB body would spend a request's whole budget.
 */

/** A part's header section (Content-Disposition, Content-Type) is short: past this it is not a form's part. */
const MAX_HEADER_BYTES = 8 * 1024;

const CR = 13;
const LF = 10;
const DASH = 45;
const encoder = new TextEncoder();
const HEADER_END = encoder.encode("\r\n\r\n");

/** An answer the caller turns into its error envelope: `{ status, code, message, details }`. */
class Refused extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.answer = { ok: false, status, code, message, details };
  }
}

function invalid(message) {
  const text = `not a valid multipart/form-data body: ${message}`;
  return new Refused(400, "validation_failed", `invalid input: (body)`, [{ path: "", message: text }]);
}

/**
 * The boundary of a `multipart/form-data; boundary=…` Content-Type (RFC 2046: 1 to 70 characters,
 * quoted or not), or a 400 when it has none.
 */
function boundaryOf(contentType) {
  const match = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(contentType ?? "");
  const boundary = match ? (match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2]) : "";
  if (boundary.length < 1 || boundary.length > 70)
    throw invalid("its Content-Type has no boundary of 1 to 70 characters");
  return boundary;
}

/*
 * Searching and copying are plain loops, not TypedArray natives: on Cloudflare this module runs in the
 * app Worker's isolate, where the guard charges a request for every byte a native call touches
 * (indexOf charges the whole array on each call); its own loops are not instrumented.
 */

/** Where `needle` starts in `haystack` at or after `from`, or -1. */
function indexOf(haystack, needle, from) {
  const first = needle[0];
  const n = needle.length;
  const last = haystack.length - n;
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < n; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Where, at or after `from`, the end of `haystack` could be the start of `needle` (found by the next
 * chunk), or the array's length: bytes before it are surely not a delimiter's.
 */
function tailStart(haystack, needle, from) {
  const n = haystack.length;
  outer: for (let i = Math.max(from, n - needle.length + 1); i < n; i++) {
    for (let j = 0; i + j < n; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return n;
}

/**
 * The parameters of a Content-Disposition value (`form-data; name="a"; filename="b.png"`), lower-case
 * names; a quoted value may hold `;`, and `\` escapes the next character (RFC 2045 quoted-string).
 */
function dispositionOf(value) {
  const params = new Map();
  const kind = /^\s*([^;\s]+)\s*/.exec(value);
  let at = kind ? kind[0].length : 0;
  while (at < value.length) {
    const param = /^;\s*([^=;\s]+)\s*=\s*/.exec(value.slice(at));
    if (!param) break;
    at += param[0].length;
    let text = "";
    if (value[at] === '"') {
      at++;
      while (at < value.length && value[at] !== '"') {
        if (value[at] === "\\" && at + 1 < value.length) at++;
        text += value[at++];
      }
      at++;
    } else {
      const token = /^[^;\s]*/.exec(value.slice(at))[0];
      text = token;
      at += token.length;
    }
    const space = /^\s*/.exec(value.slice(at))[0];
    at += space.length;
    const name = param[1].toLowerCase();
    if (!params.has(name)) params.set(name, text);
  }
  return { kind: kind ? kind[1].toLowerCase() : "", params };
}

/** A part's header section as its name, filename (null for a text part) and Content-Type. */
function partOf(headerBytes) {
  const text = new TextDecoder().decode(headerBytes);
  let disposition = null;
  let contentType = "";
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw invalid("a part's header line has no name");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = dispositionOf(value);
    else if (name === "content-type") contentType = value;
  }
  const formData = disposition?.kind === "form-data";
  const name = formData && disposition.params.has("name") ? disposition.params.get("name") : null;
  const filename = formData && disposition.params.has("filename") ? disposition.params.get("filename") : null;
  return { name, filename, contentType };
}

/** A read, or a 408 once `idleMs` pass without it settling: a stalled client is not waited for. */
async function unlessIdle(read, idleMs) {
  let timer;
  const idle = new Promise((_, reject) => {
    timer = setTimeout(() => reject(stalled(idleMs)), idleMs);
  });
  try {
    return await Promise.race([read, idle]);
  } finally {
    clearTimeout(timer);
  }
}

function stalled(idleMs) {
  const message = `the upload brought nothing for ${idleMs} ms; nothing was stored, send it again`;
  return new Refused(408, "request_timeout", message);
}

/**
 * Reads a multipart body part by part: `nextPart()` gives each part's header (null after the closing
 * boundary), then `read()` its bytes chunk by chunk (null at its end) or `skip()` them. `onChunk`
 * sees every chunk of the body as it arrives (the caller's byte budget throws there).
 */
class MultipartReader {
  constructor(body, boundary, onChunk, idleMs) {
    this.reader = body ? body.getReader() : null;
    this.onChunk = onChunk;
    this.idleMs = idleMs;
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
    // The first boundary has no CRLF before it: one is supposed, so every delimiter looks alike.
    this.buf = new Uint8Array([CR, LF]);
    this.pos = 0;
    this.ended = false;
    this.inPart = false;
    this.finished = false;
  }

  /** Appends the next chunk of the body; false at its end. */
  async fill() {
    if (this.ended || !this.reader) {
      this.ended = true;
      return false;
    }
    const { done, value } = await unlessIdle(this.reader.read(), this.idleMs);
    if (done) {
      this.ended = true;
      return false;
    }
    this.onChunk(value);
    const rest = this.buf.length - this.pos;
    if (rest === 0) {
      // The usual case while a part streams: nothing is kept, the chunk is the buffer (no copy).
      this.buf = value;
    } else {
      const next = new Uint8Array(rest + value.byteLength);
      for (let i = 0; i < rest; i++) next[i] = this.buf[this.pos + i];
      for (let i = 0; i < value.byteLength; i++) next[rest + i] = value[i];
      this.buf = next;
    }
    this.pos = 0;
    return true;
  }

  /** Makes `n` bytes available from `pos`; false if the body ends first. */
  async want(n) {
    while (this.buf.length - this.pos < n) if (!(await this.fill())) return false;
    return true;
  }

  /** The next part's header, or null once the closing boundary is read. Skips what is left of the current part. */
  async nextPart() {
    if (this.finished) return null;
    if (this.inPart) await this.skip();
    // Up to the delimiter: the preamble before the first one (ignored), or what skip() left of a part.
    for (;;) {
      const at = indexOf(this.buf, this.delimiter, this.pos);
      if (at !== -1) {
        this.pos = at + this.delimiter.length;
        break;
      }
      this.pos = Math.max(this.pos, this.buf.length - this.delimiter.length + 1);
      if (!(await this.fill())) throw invalid("it has no boundary");
    }
    if (!(await this.want(2))) throw invalid("it ends before its closing boundary");
    if (this.buf[this.pos] === DASH && this.buf[this.pos + 1] === DASH) {
      this.finished = true;
      await this.close();
      return null;
    }
    // The boundary line may end in spaces (RFC 2046 transport padding), then CRLF, then the headers.
    for (let spaces = 0; ; spaces++) {
      if (spaces > MAX_HEADER_BYTES) throw invalid("a boundary line does not end");
      if (!(await this.want(1))) throw invalid("it ends before its closing boundary");
      const byte = this.buf[this.pos];
      if (byte !== 32 && byte !== 9) break;
      this.pos++;
    }
    if (!(await this.want(2))) throw invalid("it ends before its closing boundary");
    if (this.buf[this.pos] !== CR || this.buf[this.pos + 1] !== LF) throw invalid("a boundary line has text after it");
    // The header section ends at an empty line; searched from the boundary line's own CRLF, so a part
    // without headers (its CRLF then at once another) is found too. `pos` stays at that CRLF while
    // more is read (fill() keeps what is from `pos` on), so `searched` counts from it.
    let searched = 0;
    for (;;) {
      const at = indexOf(this.buf, HEADER_END, this.pos + searched);
      if (at !== -1 && at - this.pos <= MAX_HEADER_BYTES) {
        const part = partOf(this.buf.subarray(this.pos + 2, at));
        this.pos = at + HEADER_END.length;
        this.inPart = true;
        return part;
      }
      if (at !== -1 || this.buf.length - this.pos > MAX_HEADER_BYTES + HEADER_END.length)
        throw invalid(`a part's header is longer than ${MAX_HEADER_BYTES} bytes`);
      searched = Math.max(0, this.buf.length - this.pos - HEADER_END.length + 1);
      if (!(await this.fill())) throw invalid("it ends inside a part's header");
    }
  }

  /**
   * The current part's next bytes, or null at the part's end; a view of a buffer never written again,
   * so the caller may keep it or hand it on. A body that ends before the part's delimiter is a 400.
   */
  async read() {
    if (!this.inPart) return null;
    for (;;) {
      const at = indexOf(this.buf, this.delimiter, this.pos);
      if (at !== -1) {
        const bytes = this.buf.subarray(this.pos, at);
        this.pos = at;
        if (bytes.length > 0) return bytes;
        this.inPart = false;
        return null;
      }
      // What could still be the start of a delimiter stays for the next search.
      const safe = tailStart(this.buf, this.delimiter, this.pos);
      if (safe > this.pos) {
        const bytes = this.buf.subarray(this.pos, safe);
        this.pos = safe;
        return bytes;
      }
      if (!(await this.fill())) throw invalid("it ends before its closing boundary");
    }
  }

  /** Reads past the rest of the current part; its size in bytes (counted, not kept). */
  async skip() {
    let size = 0;
    for (let bytes = await this.read(); bytes; bytes = await this.read()) size += bytes.length;
    return size;
  }

  /** Stops reading the body (after the closing boundary, or on an error): the rest is never read. */
  async close() {
    this.finished = true;
    this.inPart = false;
    const reader = this.reader;
    this.reader = null;
    if (reader && !this.ended) await reader.cancel("the multipart body was read").catch(() => {});
  }
}

/** `type/subtype` of a Content-Type, lower-case, parameters dropped. */
function mediaType(header) {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Whether a media type is one the field takes (`type/*` takes the whole type; null takes any). */
function allowed(contentTypes, type) {
  if (!contentTypes) return true;
  return contentTypes.some((r) => r === type || (r.endsWith("/*") && type.startsWith(r.slice(0, -1))));
}

/**
 * Reads a multipart create or update and stages its file parts, for the app's files.js.
 * `plan`: the byte budget of the whole body and its 413 message, the text parts' total (`maxTextBytes`),
 * `maxParts`, the staging keys' prefix (in the partition's scope; `stageByName`: each key is the prefix
 * and the field's name, else the prefix and a random id) and the entity's file fields
 * (`files`: name → `{ maxBytes, contentTypes }`). `put(key, stream, options)` is the platform's own put
 * (a stream of unknown length, counted and hashed on its way, `{ ok, size, sha256 }` or why not),
 * `drop(keys)` its delete. The answer: `{ ok: true, parts }` in body order, each
 * `{ name, text }`, `{ name, file: { key, size, contentType, sha256 } }` (the caller owns the staged
 * blob from then on) or `{ name, refused: true }` (a file part for a field that is not a file; name
 * null for a part without one); or `{ ok: false, status, code, message, details }`, having stored nothing.
 */
export async function stageMultipart(body, contentType, plan, put, drop, idleMs) {
  const staged = [];
  let reader = null;
  try {
    const boundary = boundaryOf(contentType);
    let seen = 0;
    reader = new MultipartReader(
      body,
      boundary,
      (chunk) => {
        seen += chunk.byteLength;
        if (seen > plan.budget) throw new Refused(413, "payload_too_large", plan.budgetMessage);
      },
      idleMs,
    );
    const parts = [];
    let textBytes = 0;
    let count = 0;
    for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
      count++;
      // Past the limit the parts are only counted, to say how many there were.
      if (count > plan.maxParts) continue;
      const { name, filename } = part;
      const field = name !== null && Object.hasOwn(plan.files, name) ? plan.files[name] : null;
      if (name === null || (filename !== null && !field)) {
        parts.push({ name, refused: true });
      } else if (filename === null) {
        const chunks = [];
        for (let bytes = await reader.read(); bytes; bytes = await reader.read()) {
          textBytes += bytes.length;
          if (textBytes > plan.maxTextBytes)
            throw new Refused(413, "payload_too_large", "request body is larger than 1 MiB");
          chunks.push(bytes);
        }
        parts.push({ name, text: await new Blob(chunks).text() });
      } else {
        const file = await stagePart(reader, name, field, part, plan.stagePrefix, plan.stageByName, put, staged);
        parts.push({ name, file });
      }
    }
    if (count > plan.maxParts) {
      const message = `a multipart body has at most ${plan.maxParts} parts, not ${count}`;
      throw new Refused(400, "validation_failed", "invalid input: (body)", [{ path: "", message }]);
    }
    return { ok: true, parts };
  } catch (err) {
    if (staged.length > 0) await drop(staged).catch(() => {});
    if (err instanceof Refused) return err.answer;
    throw err;
  } finally {
    await reader?.close();
  }
}

/**
 * One file part: its type checked from its header before a byte is stored, its bytes streamed to a
 * staging key and counted on the way (413 past maxBytes). A part of the wrong type is read through,
 * counted and not kept, so that size still answers before type (413, then 415).
 */
async function stagePart(reader, name, field, part, prefix, byName, put, staged) {
  const max = field.maxBytes;
  const tooLarge = () => new Refused(413, "payload_too_large", `the file is larger than ${max} bytes`);
  const type = mediaType(part.contentType) || "application/octet-stream";
  if (!allowed(field.contentTypes, type)) {
    let size = 0;
    for (let bytes = await reader.read(); bytes; bytes = await reader.read()) {
      size += bytes.length;
      if (size > max) throw tooLarge();
    }
    throw new Refused(415, "unsupported_media_type", `${name} takes ${field.contentTypes.join(", ")}, not ${type}`);
  }
  const contentType = part.contentType.trim() || type;
  const key = prefix + (byName ? name : crypto.randomUUID());
  staged.push(key);
  // The reader's failure (a 400, 408, 413) wins over whatever the put makes of the stream it broke.
  let failure = null;
  let size = 0;
  const stream = new ReadableStream(
    {
      async pull(controller) {
        try {
          const bytes = await reader.read();
          if (!bytes) return controller.close();
          size += bytes.length;
          if (size > max) throw tooLarge();
          controller.enqueue(bytes);
        } catch (err) {
          failure = err;
          controller.error(err);
        }
      },
    },
    { highWaterMark: 0 },
  );
  let stored;
  try {
    stored = await put(key, stream, { contentType, maxBytes: max, length: null });
  } catch (err) {
    throw failure ?? err;
  }
  if (failure) throw failure;
  if (!stored.ok) throw stored.stalled ? stalled(stored.idleMs) : tooLarge();
  return { key, size: stored.size, contentType, sha256: stored.sha256 };
}
