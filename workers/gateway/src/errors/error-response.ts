import { AidevosError, detailsFromIssues, UnauthorizedError, ValidationError } from "@aidevos/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { challengeOf } from "../auth";

const HTTP_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** The one place where errors become responses: `{ error: { code, message, details } }`. */
export function errorResponse(err: unknown, c: Context): Response {
  if (err instanceof AidevosError) {
    // RFC 6750: every 401 says how to authenticate.
    if (err instanceof UnauthorizedError) c.header("www-authenticate", challengeOf(err));
    return c.json({ error: err.toJSON() }, err.status as ContentfulStatusCode);
  }
  if (err instanceof HTTPException) {
    const code = HTTP_CODES[err.status] ?? "http_error";
    const message = err.status === 415 ? "send the body as JSON (Content-Type: application/json)" : err.message;
    if (err.status === 401) c.header("www-authenticate", challengeOf(new UnauthorizedError()));
    return c.json({ error: { code, message, details: [] } }, err.status);
  }
  // Unexpected: say so without internals; the stack goes to the log only.
  console.error("unhandled error", err instanceof Error ? err.stack : String(err));
  return c.json({ error: { code: "internal_error", message: "internal error", details: [] } }, 500);
}

/** zod-openapi's hook: a schema violation becomes `validation_failed` naming each path. */
export function validationHook(
  result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] }; target?: string },
  _c: Context,
): void {
  if (!result.success && result.error) {
    const prefix = result.target === "json" ? "" : (result.target ?? "");
    throw new ValidationError(detailsFromIssues(result.error.issues, prefix === "header" ? "headers" : prefix));
  }
}
