import { createServer, type Server } from "node:http";
import { listen, readBody } from "./scripted";

/** A loopback webhook receiver: POST /hook stores the JSON body, GET /received lists them all. */
export function startWebhookSink(): Promise<{ url: string; server: Server }> {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    if (req.method === "POST" && req.url === "/hook") {
      received.push(JSON.parse(await readBody(req)));
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(received));
  });
  return listen(server);
}
