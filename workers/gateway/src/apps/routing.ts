import { AppName, PartitionKey, setting } from "@aidevos/core";

/**
 * Where a request goes, decided once, before anything else runs (docs/security.md, "Routing"):
 * - `gateway`: the API, the dashboard, the gateway's own pages;
 * - `app`: an app, with `path` relative to its base, exactly as sent (never decoded, never
 *   normalised), and the origin it came in on: the gateway's (`/apps/{name}/…`) or the app's own
 *   (`{name}.localhost[:port]`, `{name}.{APPS_DOMAIN}`), where the whole path is the app's;
 * - `refused`: 404 `not_found`. An app path with an empty segment (other than a final `/`), a
 *   backslash, an encoded slash or backslash, or a dot segment (`.`, `..`, encoded or not) names
 *   nothing an app serves, and is exactly what rebuilt URLs and prefix checks get wrong.
 *
 * Pure: no I/O, no environment but the arguments, so every spelling can be tested directly.
 */
export type AppRoute =
  | { kind: "gateway" }
  | { kind: "app"; name: string; path: string; origin: "gateway" | "own" }
  | { kind: "refused"; message: string };

const APPS = "/apps/";
const LOCALHOST = ".localhost";

/**
 * `url`: the request's URL as the runtime gives it; `host`: its Host header (the name the client
 * asked for); `appsDomain`: the operator's APPS_DOMAIN, if set.
 */
export function appRoute(url: string, host: string | null, appsDomain?: string): AppRoute {
  const rawPath = rawPathOf(url);
  const own = ownOriginApp(host ?? hostOf(url), appsDomain);
  if (own !== null) {
    if (!AppName.safeParse(own).success) return refused("no such app (app names match ^[a-z][a-z0-9-]{1,38}$)");
    return checked(own, rawPath, "own");
  }
  if (rawPath !== "/apps" && !rawPath.startsWith(APPS)) return { kind: "gateway" };
  const afterName = rawPath.indexOf("/", APPS.length);
  const rawName = afterName === -1 ? rawPath.slice(APPS.length) : rawPath.slice(APPS.length, afterName);
  if (!AppName.safeParse(rawName).success) return refused("no such app (app names match ^[a-z][a-z0-9-]{1,38}$)");
  return checked(rawName, afterName === -1 ? "/" : rawPath.slice(afterName), "gateway");
}

/** The route of a request to this Worker: its URL, its Host, and the operator's APPS_DOMAIN. */
export function appRouteOf(request: Request, env: Env): AppRoute {
  return appRoute(request.url, request.headers.get("host"), setting(env, "APPS_DOMAIN"));
}

/**
 * The URL an app's host is handed: `path` (checked by appRoute) set as the path of a fixed origin,
 * never parsed as a URL reference (`new URL("//x/…", base)` would make `x` the host).
 */
export function appUrl(path: string, search: string): URL {
  const url = new URL("http://app/");
  url.pathname = path;
  url.search = search;
  return url;
}

function checked(name: string, path: string, origin: "gateway" | "own"): AppRoute {
  const bad = unsafePath(path);
  if (bad) return refused(`no such route: an app path may not contain ${bad}`);
  if (path.startsWith("/k/")) {
    const end = path.indexOf("/", 3);
    const key = PartitionKey.safeParse(decoded(path.slice(3, end === -1 ? undefined : end)));
    if (!key.success) return refused("no such key (keys match ^[A-Za-z0-9_-]{1,64}$)");
  }
  return { kind: "app", name, path, origin };
}

/** What makes a path unsafe to hand on, named for the error message; null when it is fine. */
export function unsafePath(path: string): string | null {
  if (!path.startsWith("/")) return "a relative path";
  const segments = path.slice(1).split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // A final empty segment is a trailing slash (`/apps/{name}/`, `/k/{key}/`): the base itself.
    if (segment === "" && i < segments.length - 1) return "an empty segment (//)";
    if (segment.includes("\\")) return "a backslash";
    const lower = segment.toLowerCase();
    if (lower.includes("%2f") || lower.includes("%5c")) return "an encoded slash or backslash";
    const dots = lower.replaceAll("%2e", ".");
    if (dots === "." || dots === "..") return "a dot segment";
  }
  return null;
}

/** The path of a URL exactly as written in it: no decoding, no dot-segment removal. */
function rawPathOf(url: string): string {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return "/";
  let end = url.length;
  for (const stop of ["?", "#"]) {
    const at = url.indexOf(stop, start);
    if (at !== -1 && at < end) end = at;
  }
  return url.slice(start, end);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/**
 * The app whose own origin `host` is, or null for the gateway's: `{name}.localhost[:port]` (wrangler
 * dev; browsers resolve `*.localhost` to the loopback) or `{name}.{appsDomain}`. One label only.
 */
export function ownOriginApp(host: string, appsDomain?: string): string | null {
  const name = host.toLowerCase().replace(/:\d+$/, "");
  const domain = appsDomain
    ?.trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "");
  for (const suffix of [LOCALHOST, domain ? `.${domain}` : null]) {
    if (!suffix || !name.endsWith(suffix)) continue;
    const label = name.slice(0, -suffix.length);
    if (label !== "" && !label.includes(".")) return label;
  }
  return null;
}

function decoded(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function refused(message: string): AppRoute {
  return { kind: "refused", message };
}
