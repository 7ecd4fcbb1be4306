import {
  ModelOutputInvalidError,
  ModelOverloadedError,
  ModelRequestError,
  ModelTruncatedError,
  ModelUnreachableError,
} from "@aidevos/core";
import { answerSchema, inputMessage, issuesText, PREAMBLE } from "../prompting";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";
import { fromStrict, strictSchema } from "../schema/strict";
import { addUsage, type TokenBudget } from "../usage";

export interface OpenAiCompatibleSettings {
  /** e.g. http://127.0.0.1:11434/v1 for a local model server, or a gateway's URL. */
  baseURL: string;
  apiKey?: string;
  models: Partial<Record<LlmTask, string>> & { default: string };
  /** How long one whole answer may take (answers are not streamed: this covers generating all of it). */
  timeoutMs?: number;
  maxRetries?: number;
  maxRepairs?: number;
  /** The output cap of a first ask; a cut answer is asked again with twice the cap, up to `maxTokensCap`. */
  maxTokens?: number;
  maxTokensCap?: number;
  budget?: TokenBudget;
  fetch?: typeof fetch;
}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
/** Statuses that mean "try later" once the retries are spent. */
const BUSY = new Set([429, 503, 529]);
/** Code answers are the long ones: a larger output cap and more time. */
const LONG: readonly LlmTask[] = ["code", "refine"];

/**
 * Any server speaking OpenAI's Chat Completions API (local model servers, gateways), with
 * structured output through `response_format: json_schema` in strict mode, from the same zod
 * contract made strict (schema/strict.ts: every property required, optional ones nullable,
 * `additionalProperties: false`, maps as `{ key, value }` lists, no unsupported keywords). An
 * answer cut at the output cap (`finish_reason: "length"`) is never parsed: it is asked again with
 * a larger cap, or the call fails with `model_truncated`.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = "openai-compatible";

  constructor(private readonly settings: OpenAiCompatibleSettings) {}

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const model = this.settings.models[call.task] ?? this.settings.models.default;
    const { wrapped, json } = answerSchema(call.schema);
    const schema = strictSchema(json, { allRequired: true });
    const messages: { role: string; content: string }[] = [
      {
        role: "system",
        content: `${PREAMBLE} Answer with JSON only.\n\n${call.system}`,
      },
      { role: "user", content: inputMessage(call.input, call.knowledge) },
    ];
    const long = LONG.includes(call.task);
    const cap = this.settings.maxTokensCap ?? 64_000;
    let maxTokens = Math.min(cap, this.settings.maxTokens ?? (long ? 32_000 : 8_000));
    let usage: Usage = NO_USAGE;
    let problems = "";
    for (let attempt = 0; attempt <= (this.settings.maxRepairs ?? 2); ) {
      this.settings.budget?.check();
      const body = await this.complete(
        {
          model,
          messages,
          max_completion_tokens: maxTokens,
          response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema } },
        },
        this.settings.timeoutMs ?? (long ? 15 * 60_000 : 3 * 60_000),
      );
      const used: Usage = {
        inputTokens: (body.usage?.prompt_tokens ?? 0) - (body.usage?.prompt_tokens_details?.cached_tokens ?? 0),
        outputTokens: body.usage?.completion_tokens ?? 0,
        cacheReadTokens: body.usage?.prompt_tokens_details?.cached_tokens ?? 0,
        cacheWriteTokens: 0,
      };
      usage = addUsage(usage, used);
      this.settings.budget?.charge(used);
      const choice = body.choices?.[0];
      if (choice?.finish_reason === "length") {
        if (maxTokens >= cap) throw new ModelTruncatedError(call.task, maxTokens);
        maxTokens = Math.min(cap, maxTokens * 2);
        continue;
      }
      attempt++;
      if (typeof choice?.message?.refusal === "string" && choice.message.refusal)
        throw new ModelOutputInvalidError(call.task, `the model refused: ${choice.message.refusal}`);
      const content: string = choice?.message?.content ?? "";
      let parsed: ReturnType<typeof wrapped.safeParse> | null = null;
      try {
        parsed = wrapped.safeParse(fromStrict(JSON.parse(content), json));
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
    throw new ModelOutputInvalidError(call.task, problems);
  }

  /** One completion, retrying rate limits, server errors and timeouts with exponential backoff. */
  private async complete(payload: unknown, timeoutMs: number): Promise<any> {
    const doFetch = this.settings.fetch ?? fetch;
    const retries = this.settings.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      let text: string;
      try {
        res = await doFetch(`${this.settings.baseURL.replace(/\/$/, "")}/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
          },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
        // Read under the same deadline: the body of a long answer arrives only when it is done.
        text = await res.text();
      } catch (err) {
        if (attempt >= retries)
          throw new ModelUnreachableError("openai-compatible", `request failed or timed out: ${String(err)}`);
        await backoff(attempt, null);
        continue;
      }
      if (res.ok) {
        try {
          return JSON.parse(text);
        } catch {
          throw new ModelRequestError(res.status, `the completion is not JSON: ${text}`);
        }
      }
      if (!RETRYABLE(res.status) || attempt >= retries) {
        if (BUSY.has(res.status)) throw new ModelOverloadedError("openai-compatible", res.status, text);
        throw new ModelRequestError(res.status, text);
      }
      await backoff(attempt, res.headers.get("retry-after"));
    }
  }
}

function backoff(attempt: number, retryAfter: string | null): Promise<void> {
  const fromHeader = retryAfter !== null && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : null;
  const ms = Math.min(30_000, fromHeader ?? Math.min(8_000, 250 * 2 ** attempt));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
