import { setting, UnauthorizedError } from "@aidevos/core";
import type { MiddlewareHandler } from "hono";

const REALM = "aidevos";

/**
 * A 401 with its RFC 6750 challenge: `Bearer realm="aidevos"` when no bearer token came, and
 * `error="invalid_token"` as well when one came but is wrong, so clients know to ask for another.
 */
class BearerChallenge extends UnauthorizedError {
  readonly challenge: string;
  constructor(tokenSent: boolean, message?: string) {
    super(message);
    this.challenge = tokenSent
      ? `Bearer realm="${REALM}", error="invalid_token", error_description="the bearer token is not valid"`
      : `Bearer realm="${REALM}"`;
  }
}

/** A request to an `access: "key"` app without a valid app key (AppHostDO.authorize). */
export function appKeyRequired(app: string, keySent: boolean): UnauthorizedError {
  const message = keySent
    ? `the app key is not valid for ${app} (it may have been revoked)`
    : `${app} needs an app key: Authorization: Bearer <app key> (or the WebSocket subprotocol key.<app key>)`;
  return new BearerChallenge(keySent, message);
}

/** The challenge of any 401, so every one of them carries `WWW-Authenticate`. */
export function challengeOf(err: UnauthorizedError): string {
  return err instanceof BearerChallenge ? err.challenge : `Bearer realm="${REALM}"`;
}

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 7235), or "". */
function bearerToken(header: string): string {
  return header.slice(0, 7).toLowerCase() === "bearer " ? header.slice(7).trim() : "";
}

/**
 * With the AIDEVOS_API_TOKEN secret set, `/v1/*` needs `Authorization: Bearer <token>`.
 * Both sides are hashed first so the constant-time compare sees equal lengths.
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const token = setting(c.env, "AIDEVOS_API_TOKEN");
    if (!token) return next();
    const given = bearerToken(c.req.header("authorization") ?? "");
    if (!given) throw new BearerChallenge(false);
    const [a, b] = await Promise.all([digest(given), digest(token)]);
    if (!crypto.subtle.timingSafeEqual(a, b)) throw new BearerChallenge(true);
    return next();
  };
}
