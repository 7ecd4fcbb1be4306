import type { LiveVersion } from "@aidevos/registry";
import type { Place } from "../realtime-host";
import type { LiveTarget, Routed } from "./types";

// Pure rules an app host applies to a request before any app code runs.

/**
 * What the platform's calls into an app were named as paths (`/_aidevos/…`), with or without a
 * `/k/{key}` in front. They are RPC now (AppFacet); a public request for such a path is still
 * answered here, as a route the app lacks, so no app code ever sees one.
 */
export const INTERNAL_PATH = /^(\/k\/[^/]*)?\/_aidevos(\/|$)/;

/** A public request for the platform's calls into the app: answered here, as a route the app lacks. */
export function internalRefused(live: LiveVersion, request: Request): Routed {
  const path = new URL(request.url).pathname;
  const error = { code: "not_found", message: `route ${path} not found`, details: [] };
  return {
    kind: "served",
    response: Response.json({ error }, { status: 404 }),
    version: live.version,
    key: null,
    path,
  };
}

/**
 * The app key a request carries: `X-App-Key` (always, v3: beside a user's Bearer token), else a
 * Bearer token, or a `key.<app key>` WebSocket subprotocol.
 */
export function appKeyOf(request: Request): string {
  const header = request.headers.get("x-app-key");
  if (header !== null) return header.trim();
  const auth = request.headers.get("authorization") ?? "";
  if (auth.slice(0, 7).toLowerCase() === "bearer ") return auth.slice(7).trim();
  const protocols = (request.headers.get("sec-websocket-protocol") ?? "").split(",");
  const key = protocols.map((p) => p.trim()).find((p) => p.startsWith("key."));
  return key ? key.slice(4) : "";
}

export function pick(live: LiveTarget): Omit<Place, "key"> {
  return { app: live.app, version: live.version, codeHash: live.codeHash };
}

export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message, details: [] } }, { status });
}

/** A malformed escape (`%E0`) is a bad key, not a crash. */
export function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
