import { setting } from "@aidevos/core";

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/**
 * The headers an app's request goes on with (docs/security.md, "The operator's token"): an
 * `Authorization` whose value carries the operator's API token (AIDEVOS_API_TOKEN, compared as
 * SHA-256 digests in constant time, so its length leaks nothing) is removed, whatever the scheme,
 * so no app code ever sees it; any other (an app key, a user's token) passes. On the gateway's origin
 * the `Cookie` header is removed too: cookies there belong to the gateway, never to an app, which
 * has its own origin for them.
 */
export async function appRequestHeaders(headers: Headers, env: Env, origin: "gateway" | "own"): Promise<Headers> {
  const out = new Headers(headers);
  if (origin === "gateway") out.delete("cookie");
  const token = setting(env, "AIDEVOS_API_TOKEN");
  const auth = out.get("authorization");
  if (token && auth !== null) {
    const space = auth.indexOf(" ");
    const credentials = (space === -1 ? auth : auth.slice(space + 1)).trim();
    const [a, b, whole] = await Promise.all([digest(credentials), digest(token), digest(auth.trim())]);
    if (crypto.subtle.timingSafeEqual(a, b) || crypto.subtle.timingSafeEqual(whole, b)) out.delete("authorization");
  }
  return out;
}
