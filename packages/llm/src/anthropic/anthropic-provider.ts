import { answerSchema, inputMessage, issuesText, knowledgeText, ModelOutputError, PREAMBLE } from "../prompting";
import type { LlmProvider, LlmTask, StructuredCall, StructuredResult, Usage } from "../provider";
import { NO_USAGE } from "../provider";
import { addUsage, type TokenBudget } from "../usage";

export interface AnthropicSettings {
  apiKey: string;
  baseURL?: string;
  /** Model per task; `default` for the rest (e.g. a cheaper model for review). */
  models: Partial<Record<LlmTask, string>> & { default: string };
  timeoutMs?: number;
  /** Retries of 408/409/429/5xx/529 and connection errors, with the SDK's exponential backoff. */
  maxRetries?: number;
  /** How often an answer that fails its schema is sent back with the errors. */
  maxRepairs?: number;
  maxTokens?: number;
  budget?: TokenBudget;
}

const ANSWER_TOOL = "submit_answer";
/** Tasks whose answers are long enough to stream. */
const STREAMED: readonly LlmTask[] = ["code", "refine"];

/**
 * Anthropic's Messages API through @anthropic-ai/sdk (imported lazily: it is heavy and only
 * needed when a key is set). Structured output is a forced tool call whose input schema comes
 * from the zod contract; the answer is validated by that same schema and sent back with the
 * errors when it does not match, a bounded number of times.
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
    const { wrapped, json: inputSchema } = answerSchema(call.schema);
    const messages: any[] = [{ role: "user", content: inputMessage(call.input) }];
    let usage: Usage = NO_USAGE;
    const repairs = this.settings.maxRepairs ?? 2;
    let problems = "";
    for (let attempt = 0; attempt <= repairs; attempt++) {
      this.settings.budget?.check();
      const params = {
        model,
        max_tokens: this.settings.maxTokens ?? 16_000,
        // The stable part of the prompt is cached; the request itself follows it.
        // Rules, then knowledge: the stable prefix of every call of a run, cached up to its last block.
        system: [
          {
            type: "text" as const,
            text: `${PREAMBLE} Answer only by calling the ${ANSWER_TOOL} tool.\n\n${call.system}`,
          },
          ...(call.knowledge?.length ? [{ type: "text" as const, text: knowledgeText(call.knowledge) }] : []),
        ].map((block, i, all) =>
          i === all.length - 1 ? { ...block, cache_control: { type: "ephemeral" as const } } : block,
        ),
        tools: [{ name: ANSWER_TOOL, description: "Submit the answer.", input_schema: inputSchema }],
        tool_choice: { type: "tool" as const, name: ANSWER_TOOL },
        messages,
      };
      const message = STREAMED.includes(call.task)
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      const used: Usage = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
      };
      usage = addUsage(usage, used);
      this.settings.budget?.charge(used);
      const toolUse = message.content.find((b: { type: string }) => b.type === "tool_use") as
        | { type: "tool_use"; id: string; input: unknown }
        | undefined;
      const parsed = wrapped.safeParse(toolUse?.input);
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
    throw new ModelOutputError(call.task, problems);
  }
}
