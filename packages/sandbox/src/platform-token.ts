/**
 * The platform's calls into an app's Worker on Cloudflare (run a schedule now, through the dispatch
 * namespace) carry a per-app token in this header; the Worker holds the token as this secret, set by
 * AppControlDO through the secrets API. The name is lowercase, so no app secret (`^[A-Z]…`) can take it.
 */
export const PLATFORM_TOKEN_HEADER = "x-aidevos-platform-token";
export const PLATFORM_TOKEN_SECRET = "aidevos_platform_token";
