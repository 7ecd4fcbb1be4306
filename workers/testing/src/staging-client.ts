import type { AppSpec, CodeBundle } from "@aidevos/core";
import type { AppClient } from "./integration-suite";

interface Host {
  serveBundle(request: Request, bundle: CodeBundle): Promise<Response>;
  platformCallBundle(name: string, request: Request, bundle: CodeBundle): Promise<Response>;
}

/** The platform's own calls a suite makes (`/_aidevos/users`…): RPC into the app (app.js platformCall), never HTTP. */
const PLATFORM = "/_aidevos/";

/**
 * An HTTP client for the app under test on a staging host. With a rate-limit key header in the
 * spec, each request gets its own key so the suites are not throttled by the limit they check.
 */
export function stagingClient(host: Host, bundle: CodeBundle, spec: AppSpec): AppClient {
  let n = 0;
  const rateKey = spec.rateLimit?.keyHeader;
  return async (method, path, body, headers = {}) => {
    n += 1;
    // Locally every object shares one thread: give the runtime a turn now and then, or a long suite
    // starves everyone else's requests (the API, the dashboard) until it ends.
    if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const h = new Headers(headers);
    if (rateKey && !h.has(rateKey)) h.set(rateKey, `staging-${n}`);
    if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
    const request = new Request(`http://app${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    let res: Response;
    try {
      res = path.startsWith(PLATFORM)
        ? await host.platformCallBundle(path.slice(PLATFORM.length).split("?")[0]!, request, bundle)
        : await host.serveBundle(request, bundle);
    } catch (err) {
      // The app could not even answer (it threw while starting, or broke its object): a failed request.
      return {
        status: 500,
        body: { crashed: String(err instanceof Error ? err.message : err) },
        headers: new Headers(),
      };
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

/**
 * Counts every live record in the staging copy's storage, asked of the app's runtime rather than
 * paged through its list routes: an entity whose `operations` leave out `list`, or whose list route
 * an action shadows, has records no list request can see (such apps could not deploy).
 */
export async function countRecords(host: Host, bundle: CodeBundle): Promise<number> {
  const res = await host.platformCallBundle("count", new Request("http://app/"), bundle);
  if (!res.ok) throw new Error(`the staging copy could not count its records (${res.status})`);
  const { records } = (await res.json()) as { records: number };
  return records;
}
