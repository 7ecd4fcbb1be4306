import { PartitionKey, type RequestEvent, routeOf } from "@aidevos/core";
import { redactedSample } from "./traffic";

/** Cloudflare refuses longer URLs; a tail event with one is not ours to parse. */
const MAX_URL = 16_384;
/** Header pairs kept from a tail event (a real request has far fewer; a sample needs no more). */
const MAX_HEADERS = 64;
const MAX_METHOD = 16;
/** Outcomes of a request whose client went away: nothing failed in the app. */
const CLIENT_GONE = new Set(["canceled", "responseStreamDisconnected"]);

/** One request an app's own Worker served at its workers.dev address, as its tail told it. */
export interface TailRequest {
  at: number;
  ms: number;
  method: string;
  /** The URL's path as the client sent it (`/k/{key}/…` for a perKey app), without the query. */
  path: string;
  status: number;
  /** Why it failed (the thrown exception, or the outcome): set for a 5xx or an invocation that did not end well. */
  failure?: string;
  headers: [string, string][];
}

function isFetch(event: TraceItem["event"]): event is TraceItemFetchEventInfo {
  if (event === null || typeof event !== "object" || !("request" in event)) return false;
  const request: unknown = event.request;
  return request !== null && typeof request === "object" && "url" in request && typeof request.url === "string";
}

/** `/k/{key}` and the path after it, or null: no regex over the client's path (a plain scan of it). */
function keyed(path: string): { key: string; rest: string } | null {
  if (!path.startsWith("/k/")) return null;
  const end = path.indexOf("/", 3);
  return { key: path.slice(3, end === -1 ? undefined : end), rest: end === -1 ? "" : path.slice(end) };
}

/** The platform's calls into an app (`/_aidevos/…`, with or without `/k/{key}` before): run-now calls, not traffic. */
function isPlatformCall(path: string): boolean {
  const rest = keyed(path)?.rest ?? path;
  return rest === "/_aidevos" || rest.startsWith("/_aidevos/");
}

/**
 * The request of a fetch event of an app's Worker reached at its workers.dev address, or null when
 * it is not traffic to count: an event of a Worker in a dispatch namespace (its request came through
 * the gateway's dispatch route, which recorded it: counting it here would count it twice), any fetch
 * event while the gateway uploads apps into a namespace (none is then reachable at workers.dev), the
 * app's Durable Object's own fetch (the same request again, forwarded by the Worker's entry), a
 * platform call, or a request the client dropped before any answer.
 */
export function tailRequestOf(item: TraceItem, namespace: string | undefined): TailRequest | null {
  const event = item.event;
  if (!isFetch(event) || item.dispatchNamespace || namespace) return null;
  if (item.executionModel !== "stateless") return null;
  const url = event.request.url;
  if (url.length > MAX_URL) return null;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  if (isPlatformCall(path)) return null;
  const answered = event.response?.status;
  const ended = item.outcome === "ok" || CLIENT_GONE.has(item.outcome);
  if (answered === undefined && ended) return null;
  const status = Number.isInteger(answered) ? (answered as number) : 500;
  const thrown = item.exceptions[0];
  const failure =
    status < 500 && ended
      ? undefined
      : thrown
        ? `${thrown.name}: ${thrown.message}`
        : ended
          ? "(the answer's body does not reach the tail)"
          : `it ended with outcome ${item.outcome}`;
  return {
    at: item.eventTimestamp ?? Date.now(),
    ms: item.wallTime ?? 0,
    method: String(event.request.method).slice(0, MAX_METHOD),
    path,
    status,
    ...(failure === undefined ? {} : { failure: failure.slice(0, 300) }),
    headers: headerPairs(event.request.headers),
  };
}

/** At most MAX_HEADERS string pairs; never the unredacted request (getUnredacted is not called). */
function headerPairs(headers: unknown): [string, string][] {
  const pairs: [string, string][] = [];
  if (headers === null || typeof headers !== "object") return pairs;
  for (const name in headers) {
    if (pairs.length === MAX_HEADERS) break;
    const value: unknown = (headers as Record<string, unknown>)[name];
    if (typeof value === "string") pairs.push([name, value]);
  }
  return pairs;
}

function headersOf(pairs: [string, string][]): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      // A name or value Headers refuses is left out of the sample.
    }
  }
  return headers;
}

/**
 * The RequestEvent the gateway would have recorded had it served the request itself: the app's path
 * after `/k/{key}` for a perKey app, the route folded by routeOf, and for a failure its error (grouped
 * with the route, as errorOf groups it) and a sample redacted by the gateway's own redactedSample. A
 * perKey app's request without a valid key is not counted: the gateway answers it not_found unrecorded.
 */
export function requestEventOf(
  request: TailRequest,
  live: { version: number; partition: "single" | "perKey" },
): RequestEvent | null {
  let key: string | null = null;
  let appPath = request.path;
  if (live.partition === "perKey") {
    const found = keyed(request.path);
    if (!found || !PartitionKey.safeParse(found.key).success) return null;
    key = found.key;
    appPath = found.rest || "/";
  }
  const route = routeOf(request.method, appPath);
  const event = {
    at: request.at,
    version: live.version,
    method: request.method,
    route,
    key,
    status: request.status,
    ms: request.ms,
  };
  if (request.failure === undefined) return event;
  return {
    ...event,
    error: { message: `${request.status} ${request.failure}`.slice(0, 300), frame: route },
    sample: redactedSample({ method: request.method, headers: headersOf(request.headers) }, appPath),
  };
}
