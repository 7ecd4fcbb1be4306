import {
  InvalidJsonError,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  PayloadTooLargeError,
  protoKeyPath,
  UnsupportedMediaTypeError,
  ValidationError,
} from "@aidevos/core";
import type { MiddlewareHandler } from "hono";
import { streamedUploadLimit } from "./apps/uploads";

const MAX_BODY_BYTES = 1024 * 1024;
/** How much of a refused body is read and dropped so the client still gets its 413 (Cloudflare's own cap is 100 MB). */
const DRAIN_BYTES = 128 * 1024 * 1024;

/**
 * Bodies over 1 MiB are refused before they are read in full. A declared length decides at once; a
 * chunked body is read up to the limit and then cancelled: a reader left pending while the 413 goes
 * out makes the dev proxy lose the connection (a reset, or its 500 with a stack trace).
 */
export const limitBody: MiddlewareHandler = async (c, next) => {
  const raw = c.req.raw;
  if (!raw.body) return next();
  const declared = raw.headers.get("content-length");
  // A file upload streams on to the app, which counts its bytes; only a declared length over the most is refused here.
  const upload = streamedUploadLimit(raw);
  if (upload !== null) {
    if (declared !== null && Number(declared) > upload) await refuse(raw.body, upload);
    return next();
  }
  if (declared !== null && !raw.headers.has("transfer-encoding")) {
    if (Number(declared) > MAX_BODY_BYTES) await refuse(raw.body);
    return next();
  }
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) await refuse(reader);
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  c.req.raw = new Request(raw, { body });
  return next();
};

/**
 * Reads the rest of a refused body and drops it, up to a bound, before the 413 goes out: workerd
 * ends a connection whose request body is still arriving when the answer is sent, which a client
 * (and wrangler's dev proxy, in front of workerd) sees as a reset instead of the 413. Past
 * `DRAIN_BYTES` the body is cancelled and the connection may close: Cloudflare's edge refuses
 * bodies of that size itself.
 */
async function refuse(
  body: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>,
  limit = MAX_BODY_BYTES,
): Promise<never> {
  const reader = body instanceof ReadableStream ? body.getReader() : body;
  let drained = 0;
  try {
    while (drained <= DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      drained += value.byteLength;
    }
    if (drained > DRAIN_BYTES) await reader.cancel("payload_too_large");
  } catch {
    // The client went away: nobody is left to tell.
  }
  throw new PayloadTooLargeError(limit);
}

/** Parses the body once so malformed JSON is `invalid_json`; the validators then reuse the cached text. */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type");
  // Bounded: anchored, one quantifier and no nesting, so linear in the header, which is capped at 256 characters here.
  if (type && (type.length > 256 || !/^application\/([\w.+-]+\+)?json\b/i.test(type)))
    throw new UnsupportedMediaTypeError();
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
  if (jsonDepthExceeds(text))
    throw new ValidationError([{ path: "", message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  const proto = protoKeyPath(value);
  if (proto !== null) throw new ValidationError([{ path: proto, message: "__proto__ cannot be a key" }]);
  return next();
};
