/**
 * Outbound network: fetch() and WebSocket/EventSource clients are refused with `outbound_blocked`
 * unless the origin is allow-listed (locally the loader also sets globalOutbound: null; on
 * Cloudflare this is the only block).
 */
export const GUARD_OUTBOUND = String.raw`const platformFetch = globalThis.fetch;
const NativeRequest = Request;
const NativeURL = URL;
const OUTBOUND = CONFIG.outbound;

function outboundBlocked(what) {
  const error = new TypeError("outbound_blocked: " + what + " is refused: generated apps have no network access");
  error.code = "outbound_blocked";
  return error;
}

function allowed(origin) {
  for (let i = 0; i < OUTBOUND.length; i++) if (OUTBOUND[i] === origin) return true;
  return false;
}

function fetch(input, init) {
  let request;
  try {
    // One Request, read once: what is checked is what would be sent.
    request = new NativeRequest(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  const origin = new NativeURL(request.url).origin;
  if (allowed(origin)) return apply(platformFetch, globalThis, [request]);
  return Promise.reject(outboundBlocked("fetch to " + origin));
}
pin(globalThis, "fetch", fetch);

for (const key of ["WebSocket", "EventSource"]) {
  const Native = globalThis[key];
  if (typeof Native !== "function") continue;
  pin(globalThis, key, new NativeProxy(Native, {
    construct(target, args) {
      throw outboundBlocked("a " + key + " client connection to " + toText(args[0]));
    },
  }));
}
`;
