import { AidevosError } from "@aidevos/core";
import { answerSchema, inputMessage, issuesText, knowledgeText, ModelOutputError, PREAMBLE } from "../prompting";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";
import { addUsage, type TokenBudget } from "../usage";

export interface OpenAiCompatibleSettings {
  /** e.g. http://127.0.0.1:11434/v1 for a local model server, or a gateway's URL. */
  baseURL: string;
  apiKey?: string;
  models: Partial<Record<LlmTask, string>> & { default: string };
  timeoutMs?: number;
  maxRetries?: number;
  maxRepairs?: number;
  budget?: TokenBudget;
  fetch?: typeof fetch;
}

export class ModelRequestError extends AidevosError {
  constructor(status: number, message: string) {
    super("model_request_failed", `the model server answered ${status}: ${message.slice(0, 300)}`, 502);
  }
}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Any server speaking OpenAI's Chat Completions API (local model servers, gateways), with
 * structured output through `response_format: json_schema` from the same zod contract.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = "openai-compatible";

  constructor(private readonly settings: OpenAiCompatibleSettings) {}

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const model = this.settings.models[call.task] ?? this.settings.models.default;
    const { wrapped, json } = answerSchema(call.schema);
    const messages: { role: string; content: string }[] = [
      {
        role: "system",
        content: `${PREAMBLE} Answer with JSON only.\n\n${call.system}${call.knowledge?.length ? `\n\n${knowledgeText(call.knowledge)}` : ""}`,
      },
      { role: "user", content: inputMessage(call.input) },
    ];
    let usage: Usage = NO_USAGE;
    let problems = "";
    for (let attempt = 0; attempt <= (this.settings.maxRepairs ?? 2); attempt++) {
      this.settings.budget?.check();
      const body = await this.complete({
        model,
        messages,
        response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema: json } },
      });
      const used: Usage = {
        inputTokens: (body.usage?.prompt_tokens ?? 0) - (body.usage?.prompt_tokens_details?.cached_tokens ?? 0),
        outputTokens: body.usage?.completion_tokens ?? 0,
        cacheReadTokens: body.usage?.prompt_tokens_details?.cached_tokens ?? 0,
        cacheWriteTokens: 0,
      };
      usage = addUsage(usage, used);
      this.settings.budget?.charge(used);
      const content: string = body.choices?.[0]?.message?.content ?? "";
      let parsed: ReturnType<typeof wrapped.safeParse> | null = null;
      try {
        parsed = wrapped.safeParse(JSON.parse(content));
      } catch {
        problems = "the answer is not JSON";
      }
      if (parsed?.success) return { value: parsed.data.answer as T, usage, model };
      if (parsed) problems = issuesText(parsed.error);
      messages.push(
        { role: "assistant", content },
        { role: "user", content: `Invalid answer: ${problems}. Answer again.` },
      );
    }
    throw new ModelOutputError(call.task, problems);
  }

  /** One completion, retrying rate limits, server errors and timeouts with exponential backoff. */
  private async complete(payload: unknown): Promise<any> {
    const doFetch = this.settings.fetch ?? fetch;
    const retries = this.settings.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(`${this.settings.baseURL.replace(/\/$/, "")}/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
          },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(this.settings.timeoutMs ?? 120_000),
        });
      } catch (err) {
        if (attempt >= retries) throw new ModelRequestError(0, `request failed or timed out: ${String(err)}`);
        await backoff(attempt, null);
        continue;
      }
      if (res.ok) return res.json();
      const text = await res.text();
      if (!RETRYABLE(res.status) || attempt >= retries) throw new ModelRequestError(res.status, text);
      await backoff(attempt, res.headers.get("retry-after"));
    }
  }
}

function backoff(attempt: number, retryAfter: string | null): Promise<void> {
  const fromHeader = retryAfter !== null && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : null;
  const ms = fromHeader ?? Math.min(8_000, 250 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
