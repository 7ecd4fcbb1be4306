/**
 * Whether a request to the app's Worker is the platform's own call: it carries the Worker's platform
 * token (a secret only our entry module reads). Compared in constant time, as SHA-256 digests so the
 * lengths match. The natives are kept before any generated module runs, so app code that replaces
 * `Headers.prototype.get` or `crypto.subtle` never sees the header or the token.
 */
const nativeHeadersGet = Headers.prototype.get;
const nativeSubtle = crypto.subtle;
const nativeDigest = /** @type {SubtleCrypto} */ (getPrototypeOf(nativeSubtle)).digest;
const nativeTimingSafeEqual = /** @type {SubtleCrypto} */ (getPrototypeOf(nativeSubtle)).timingSafeEqual;
const platformEncoder = new TextEncoder();
const nativeEncode = TextEncoder.prototype.encode;
const PLATFORM_TOKEN_HEADER = CONFIG.platformTokenHeader;

function sha256(text) {
  return apply(nativeDigest, nativeSubtle, ["SHA-256", apply(nativeEncode, platformEncoder, [text])]);
}

async function __aidevos_platformCall(request, token) {
  if (typeof token !== "string" || token.length < 32) return false;
  const given = apply(nativeHeadersGet, request.headers, [PLATFORM_TOKEN_HEADER]);
  if (typeof given !== "string" || given.length === 0 || given.length > 512) return false;
  const [a, b] = await Promise.all([sha256(given), sha256(token)]);
  return apply(nativeTimingSafeEqual, nativeSubtle, [a, b]);
}
