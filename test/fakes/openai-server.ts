import { createServer, type Server } from "node:http";
import { listen, readBody, Scenarios } from "./scripted";
import { OPENAI_RULES, strictViolation } from "./strict-schema";

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
  /** Why the "model" stopped (default stop); `length` means the answer was cut at the output cap. */
  finishReason?: "stop" | "length";
  /** A strict-mode refusal instead of content. */
  refusal?: string;
  /** Closes the connection without answering, as a dropped network would. */
  hangUp?: boolean;
  usage?: { prompt_tokens: number; completion_tokens: number; cached?: number };
}

const scenarios = new Scenarios<ScriptedCompletion>();

export function startFakeOpenAi(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (await scenarios.control(req, res)) return;
    const key = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
    const body = JSON.parse(await readBody(req));
    const format = body.response_format;
    const refused =
      format?.type === "json_schema" && format.json_schema?.strict === true
        ? strictViolation(format.json_schema.schema, OPENAI_RULES)
        : null;
    if (refused) {
      scenarios.record(key, body);
      const message = `Invalid schema for response_format '${format.json_schema.name}': ${refused}`;
      res.writeHead(400, { "content-type": "application/json" }).end(
        JSON.stringify({
          error: { message, type: "invalid_request_error", param: "response_format", code: "invalid_json_schema" },
        }),
      );
      return;
    }
    const step = scenarios.next(key, body) ?? { status: 500 };
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    if (step.hangUp) {
      req.socket.destroy();
      return;
    }
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
      choices: [
        {
          index: 0,
          finish_reason: step.finishReason ?? "stop",
          message: step.refusal
            ? { role: "assistant", content: null, refusal: step.refusal }
            : { role: "assistant", content: step.content ?? "{}", refusal: null },
        },
      ],
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
