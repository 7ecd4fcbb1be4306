import { ModelOutputInvalidError, ModelTruncatedError } from "@aidevos/core";
import { answerSchema, inputMessage, issuesText, PREAMBLE } from "../prompting";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";
import { fromStrict, strictSchema } from "../schema/strict";
import { addUsage, type TokenBudget } from "../usage";
import { anthropicError } from "./errors";

export interface AnthropicSettings {
  apiKey: string;
  baseURL?: string;
  /** Model per task; `default` for the rest (e.g. a cheaper model for review). */
  models: Partial<Record<LlmTask, string>> & { default: string };
  /** How long to wait for the first byte of an answer (answers stream, so a long answer is not cut by it). */
  timeoutMs?: number;
  /** How long one whole answer may take, streaming included. */
  answerTimeoutMs?: number;
  /** Retries of 408/409/429/5xx/529 and connection errors, with the SDK's exponential backoff. */
  maxRetries?: number;
  /** How often an answer that fails its schema is sent back with the errors. */
  maxRepairs?: number;
  /** The output cap of a first ask; a cut answer is asked again with twice the cap, up to `maxTokensCap`. */
  maxTokens?: number;
  maxTokensCap?: number;
  budget?: TokenBudget;
}

const ANSWER_TOOL = "submit_answer";
/** Code answers are the long ones: they start with a larger output cap. */
const LONG: readonly LlmTask[] = ["code", "refine"];

/**
 * Anthropic's Messages API through @anthropic-ai/sdk (imported lazily: it is heavy and only
 * needed when a key is set). Structured output is a forced call of a strict tool (`strict: true`:
 * the API holds the tool input to the schema) whose schema comes from the zod contract in the form
 * strict mode accepts (schema/strict.ts); the answer is validated by that same zod schema and sent
 * back with the errors when it does not match, a bounded number of times. Every answer streams,
 * so a long one is never cut by a request timeout, and an answer cut at `max_tokens` is never
 * parsed: it is asked again with a larger cap, or the call fails with `model_truncated`.
 */
export class AnthropicProvider implements LlmProvider {
  readonly name = "anthropic";

  constructor(private readonly settings: AnthropicSettings) {}

  async structured<T>(call: StructuredCall<T>): Promise<StructuredResult<T>> {
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({
      apiKey: this.settings.apiKey,
      baseURL: this.settings.baseURL,
      timeout: this.settings.timeoutMs ?? 120_000,
      maxRetries: this.settings.maxRetries ?? 3,
    });
    const model = this.settings.models[call.task] ?? this.settings.models.default;
    const { wrapped, json } = answerSchema(call.schema);
    const inputSchema = strictSchema(json, { allRequired: false });
    // Knowledge is data in the user turn, never instructions in the system block (docs/security.md).
    const messages: any[] = [{ role: "user", content: inputMessage(call.input, call.knowledge) }];
    let usage: Usage = NO_USAGE;
    const repairs = this.settings.maxRepairs ?? 2;
    const cap = this.settings.maxTokensCap ?? 64_000;
    let maxTokens = Math.min(cap, this.settings.maxTokens ?? (LONG.includes(call.task) ? 32_000 : 8_000));
    let problems = "";
    // Strict tools compile into a grammar; a schema the API finds too large or complex to compile
    // is refused with a 400. Then the call goes again without `strict`: zod still validates the
    // answer and the repair loop still applies, the grammar's guarantee is what is lost.
    let strict = true;
    for (let attempt = 0; attempt <= repairs; ) {
      this.settings.budget?.check();
      const params = {
        model,
        max_tokens: maxTokens,
        // Rules with the contract: the stable prefix (tools → system) of every call on this prompt version.
        system: [
          {
            type: "text" as const,
            text: `${PREAMBLE} Answer only by calling the ${ANSWER_TOOL} tool.\n\n${call.system}`,
            cache_control: { type: "ephemeral" as const },
          },
        ],
        tools: [
          {
            name: ANSWER_TOOL,
            description: "Submit the answer.",
            input_schema: inputSchema as any,
            ...(strict ? { strict: true } : {}),
          },
        ],
        tool_choice: { type: "tool" as const, name: ANSWER_TOOL },
        messages,
      };
      let message: Awaited<ReturnType<ReturnType<typeof client.messages.stream>["finalMessage"]>>;
      try {
        message = await client.messages
          .stream(params, { signal: AbortSignal.timeout(this.settings.answerTimeoutMs ?? 15 * 60_000) })
          .finalMessage();
      } catch (err) {
        if (strict && err instanceof Anthropic.BadRequestError && /schema|grammar/i.test(err.message)) {
          strict = false;
          continue;
        }
        throw anthropicError(err, Anthropic);
      }
      const used: Usage = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
      };
      usage = addUsage(usage, used);
      this.settings.budget?.charge(used);
      if (message.stop_reason === "max_tokens") {
        // A cut tool call is incomplete JSON at best: ask the same question with room to finish it.
        if (maxTokens >= cap) throw new ModelTruncatedError(call.task, maxTokens);
        maxTokens = Math.min(cap, maxTokens * 2);
        continue;
      }
      attempt++;
      const toolUse = message.content.find((b: { type: string }) => b.type === "tool_use") as
        | { type: "tool_use"; id: string; input: unknown }
        | undefined;
      const parsed = wrapped.safeParse(fromStrict(toolUse?.input, json));
      if (parsed.success) return { value: parsed.data.answer, usage, model };
      problems = toolUse ? issuesText(parsed.error) : "no tool call in the answer";
      messages.push({ role: "assistant", content: message.content });
      messages.push({
        role: "user",
        content: toolUse
          ? [
              {
                type: "tool_result",
                tool_use_id: toolUse.id,
                is_error: true,
                content: `Invalid answer: ${problems}. Call ${ANSWER_TOOL} again with a corrected answer.`,
              },
            ]
          : `Call ${ANSWER_TOOL} with your answer.`,
      });
    }
    throw new ModelOutputInvalidError(call.task, problems);
  }
}
