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
