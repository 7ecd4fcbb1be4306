/**
 * Outbound network: the global fetch() and WebSocket/EventSource clients are refused with
 * `outbound_blocked`, whatever the origin (locally the loader also sets globalOutbound: null; on
 * Cloudflare this is the block). The one way out is `__aidevos_outbound`, which reaches the
 * allow-listed origins only and is imported by our entry module alone (instrumentation refuses any
 * generated import of a `__aidevos` name): the entry hands it to the runtime's ctx.fetch as the
 * app's platform (env.PLATFORM), where user code never holds `env`.
 */
const platformFetch = globalThis.fetch;
const NativeRequest = Request;
const NativeURL = URL;
const OUTBOUND = CONFIG.outbound;

function outboundBlocked(what, why) {
  const error = /** @type {TypeError & { code?: string }} */ (
    new TypeError("outbound_blocked: " + what + " is refused: " + why)
  );
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
    request = new NativeRequest(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.reject(
    outboundBlocked("fetch to " + new NativeURL(request.url).origin, "generated apps have no network access"),
  );
}
pin(globalThis, "fetch", fetch);

/**
 * The allow-listed fetch (ctx.fetch on Cloudflare). One Request, read once: what is checked is what is
 * sent. Redirects come back to the app, never followed to another origin.
 */
function __aidevos_outbound(input, init) {
  let request;
  try {
    request = new NativeRequest(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  const origin = new NativeURL(request.url).origin;
  if (!allowed(origin))
    return Promise.reject(outboundBlocked("fetch to " + origin, "it is not one of the app's outbound origins"));
  return apply(platformFetch, globalThis, [new NativeRequest(request, { redirect: "manual" })]);
}

for (const key of ["WebSocket", "EventSource"]) {
  const Native = globalThis[key];
  if (typeof Native !== "function") continue;
  pin(
    globalThis,
    key,
    new NativeProxy(Native, {
      construct(_target, args) {
        throw outboundBlocked(
          "a " + key + " client connection to " + toText(args[0]),
          "generated apps have no network access",
        );
      },
    }),
  );
}
