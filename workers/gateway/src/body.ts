import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from "@aidevos/core";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

const MAX_BODY_BYTES = 1024 * 1024;

/** Bodies over 1 MiB are refused before they are read in full. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new PayloadTooLargeError(MAX_BODY_BYTES);
  },
});

/** Parses the body once so malformed JSON is `invalid_json`; the validators then reuse the cached text. */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type");
  // Bounded: anchored, one quantifier and no nesting, so linear in the header, which is capped at 256 characters here.
  if (type && (type.length > 256 || !/^application\/([\w.+-]+\+)?json\b/i.test(type)))
    throw new UnsupportedMediaTypeError();
  const text = await c.req.text();
  try {
    JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
  return next();
};
