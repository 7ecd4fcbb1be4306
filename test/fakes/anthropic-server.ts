import { createServer, type Server } from "node:http";
import { listen, readBody, Scenarios } from "./scripted";
import { ANTHROPIC_RULES, strictViolation } from "./strict-schema";

/**
 * A loopback server speaking the Messages API (POST /v1/messages, JSON or SSE), so the real
 * @anthropic-ai/sdk can be tested. Each API key is a scenario: the test scripts its responses
 * through POST /__script and reads what the SDK sent through GET /__requests.
 */
export interface ScriptedResponse {
  status?: number;
  /** For 200: the tool input the model "answers" with. */
  answer?: unknown;
  /** For errors: the error type and message in Anthropic's error body. */
  errorType?: string;
  errorMessage?: string;
  delayMs?: number;
  headers?: Record<string, string>;
  /** For 200: why the "model" stopped (default tool_use); `max_tokens` cuts the answer. */
  stopReason?: "tool_use" | "max_tokens" | "end_turn";
  /** Closes the connection without answering, as a dropped network would. */
  hangUp?: boolean;
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
}

const scenarios = new Scenarios<ScriptedResponse>();

function message(body: any, step: ScriptedResponse) {
  const usage = step.usage ?? {
    input_tokens: 100,
    output_tokens: 50,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  const toolName = body.tool_choice?.name ?? "submit_answer";
  return {
    id: `msg_${Math.random().toString(36).slice(2)}`,
    type: "message",
    role: "assistant",
    model: body.model,
    content: [
      {
        type: "tool_use",
        id: `toolu_${Math.random().toString(36).slice(2)}`,
        name: toolName,
        input: step.answer ?? {},
      },
    ],
    stop_reason: step.stopReason ?? "tool_use",
    stop_sequence: null,
    usage,
  };
}

function sse(msg: any): string {
  const events: [string, unknown][] = [
    [
      "message_start",
      { type: "message_start", message: { ...msg, content: [], usage: { ...msg.usage, output_tokens: 1 } } },
    ],
    ["content_block_start", { type: "content_block_start", index: 0, content_block: { ...msg.content[0], input: {} } }],
    [
      "content_block_delta",
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(msg.content[0].input) },
      },
    ],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: msg.stop_reason, stop_sequence: null },
        usage: { output_tokens: msg.usage.output_tokens },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ];
  return events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
}

/** What the Messages API refuses in a request before any model runs: a strict tool's schema it cannot compile. */
function schemaProblem(body: any): string | null {
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (!tool.strict) continue;
    const problem = strictViolation(tool.input_schema, ANTHROPIC_RULES);
    if (problem) return `tools.${i}.custom.input_schema: ${problem}`;
  }
  return null;
}

export function startFakeAnthropic(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    if (await scenarios.control(req, res)) return;
    if (req.method !== "POST" || new URL(req.url ?? "/", "http://fake").pathname !== "/v1/messages") {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "no such route" } }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const key = String(req.headers["x-api-key"] ?? bearer ?? "");
    const body = JSON.parse(await readBody(req));
    const refused = schemaProblem(body);
    if (refused) {
      scenarios.record(key, body);
      res
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: refused } }));
      return;
    }
    const step = scenarios.next(key, body) ?? { status: 500, errorType: "api_error" };
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    if (step.hangUp) {
      req.socket.destroy();
      return;
    }
    const status = step.status ?? 200;
    if (status !== 200) {
      const error = { type: step.errorType ?? "api_error", message: step.errorMessage ?? `scripted ${status}` };
      res.writeHead(status, { "content-type": "application/json", ...step.headers });
      res.end(JSON.stringify({ type: "error", error }));
      return;
    }
    const msg = message(body, step);
    if (body.stream) {
      res.writeHead(200, { "content-type": "text/event-stream" }).end(sse(msg));
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(msg));
    }
  });
  return listen(server);
}
