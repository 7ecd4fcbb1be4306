import { setting, UnauthorizedError } from "@aidevos/core";
import type { MiddlewareHandler } from "hono";

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/**
 * With the AIDEVOS_API_TOKEN secret set, `/v1/*` needs `Authorization: Bearer <token>`.
 * Both sides are hashed first so the constant-time compare sees equal lengths.
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const token = setting(c.env, "AIDEVOS_API_TOKEN");
    if (!token) return next();
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : "";
    const [a, b] = await Promise.all([digest(given), digest(token)]);
    if (!given || !crypto.subtle.timingSafeEqual(a, b)) throw new UnauthorizedError();
    return next();
  };
}
