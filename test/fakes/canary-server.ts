import { createServer, type Server } from "node:http";
import { listen } from "./scripted";

/**
 * A listening loopback server that sandboxed code must never reach. Every request is answered 200
 * and recorded under the first path segment, so a network-escape test can probe it from inside the
 * sandbox and then prove it saw nothing: GET /__seen?key=<segment> lists what arrived for that key.
 */
export function startCanary(): Promise<{ url: string; server: Server }> {
  const seen = new Map<string, string[]>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://canary");
    if (url.pathname === "/__seen") {
      const list = seen.get(url.searchParams.get("key") ?? "") ?? [];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
      return;
    }
    const key = url.pathname.split("/")[1] ?? "";
    seen.set(key, [...(seen.get(key) ?? []), `${req.method} ${url.pathname}`]);
    res.writeHead(200, { "content-type": "text/plain" }).end("canary reached");
  });
  return listen(server);
}
