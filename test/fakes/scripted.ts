import type { IncomingMessage, Server, ServerResponse } from "node:http";

export async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

/**
 * The scripting side of a loopback fake: each API key is a scenario whose responses a test sets
 * with POST /__script { key, responses }, and whose requests it reads back with GET /__requests?key=.
 */
export class Scenarios<T> {
  private readonly scripts = new Map<string, T[]>();
  private readonly requests = new Map<string, unknown[]>();

  /** Answers the control endpoints; false when the request is for the fake API itself. */
  async control(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "POST" && url.pathname === "/__script") {
      const { key, responses } = JSON.parse(await readBody(req));
      this.scripts.set(key, responses);
      this.requests.set(key, []);
      res.writeHead(204).end();
      return true;
    }
    if (req.method === "GET" && url.pathname === "/__requests") {
      const sent = this.requests.get(url.searchParams.get("key") ?? "") ?? [];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(sent));
      return true;
    }
    return false;
  }

  /** Records what a scenario's client sent and hands out its next scripted response. */
  next(key: string, body: unknown): T | undefined {
    this.record(key, body);
    return this.scripts.get(key)?.shift();
  }

  /** Records a request the fake refused before any scripted response was due (e.g. a bad schema). */
  record(key: string, body: unknown): void {
    this.requests.get(key)?.push(body);
  }
}

export function listen(server: Server): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, server });
    });
  });
}
