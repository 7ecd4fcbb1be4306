import { createServer, type Server } from "node:http";
import { listen, readBody, Scenarios } from "./scripted";

/**
 * A loopback server speaking OpenAI's Chat Completions API (POST /v1/chat/completions). As with the
 * Anthropic fake, each API key is a scenario scripted through POST /__script; GET /__requests shows
 * what the client sent.
 */
export interface ScriptedCompletion {
  status?: number;
  /** The JSON text the "model" answers with (already a string: malformed answers are allowed). */
  content?: string;
  delayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number; cached?: number };
}

const scenarios = new Scenarios<ScriptedCompletion>();

export function startFakeOpenAi(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (await scenarios.control(req, res)) return;
    const key = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
    const body = JSON.parse(await readBody(req));
    const step = scenarios.next(key, body) ?? { status: 500 };
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    if ((step.status ?? 200) !== 200) {
      res.writeHead(step.status!, { "content-type": "application/json", "retry-after": "0" });
      res.end(JSON.stringify({ error: { message: `scripted ${step.status}`, type: "server_error" } }));
      return;
    }
    const u = step.usage ?? { prompt_tokens: 50, completion_tokens: 20 };
    const completion = {
      id: "chatcmpl-test",
      object: "chat.completion",
      model: body.model,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: step.content ?? "{}" } }],
      usage: {
        ...u,
        total_tokens: u.prompt_tokens + u.completion_tokens,
        prompt_tokens_details: { cached_tokens: u.cached ?? 0 },
      },
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion));
  });
  return listen(server);
}
