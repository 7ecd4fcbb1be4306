import { ErrorEnvelope } from "@aidevos/core";
import type { z } from "zod";

/** An OpenAPI response (or body) of JSON shaped by a zod schema. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** An error answer, documented with the one error envelope. */
export function error(description: string) {
  return json(ErrorEnvelope, description);
}

/** The 401 every `/v1` operation can answer while the AIDEVOS_API_TOKEN secret is set. */
export const unauthorized = {
  401: error("missing or wrong bearer token; `WWW-Authenticate: Bearer` says which"),
};
