// Proves the OpenAI-compatible provider against a loopback Chat Completions server: json_schema output, repairs, retries, timeouts, usage.

import { env } from "cloudflare:workers";
import { ModelOutputError, ModelRequestError, OpenAiCompatibleProvider } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ScriptedCompletion } from "../fakes/openai-server";

const baseURL = `${(env as unknown as { TEST_OPENAI_URL: string }).TEST_OPENAI_URL}/v1`;
const Answer = z.object({ name: z.string(), size: z.int().min(1) });
const call = { task: "spec" as const, schema: Answer, system: "Name it.", input: { request: "a shop" } };

async function scenario(responses: ScriptedCompletion[]) {
  const key = `key-${crypto.randomUUID()}`;
  await fetch(`${baseURL.replace(/\/v1$/, "")}/__script`, { method: "POST", body: JSON.stringify({ key, responses }) });
  return key;
}
const sent = async (key: string): Promise<any[]> =>
  (await fetch(`${baseURL.replace(/\/v1$/, "")}/__requests?key=${key}`)).json();

const provider = (apiKey: string, extra = {}) =>
  new OpenAiCompatibleProvider({ baseURL, apiKey, models: { default: "local-model" }, maxRetries: 2, ...extra });

describe("OpenAiCompatibleProvider", () => {
  it("asks for a json_schema answer and validates it", async () => {
    const key = await scenario([
      {
        content: JSON.stringify({ answer: { name: "shop", size: 3 } }),
        usage: { prompt_tokens: 80, completion_tokens: 12, cached: 30 },
      },
    ]);
    const result = await provider(key).structured(call);
    expect(result.value).toEqual({ name: "shop", size: 3 });
    expect(result.usage).toEqual({ inputTokens: 50, outputTokens: 12, cacheReadTokens: 30, cacheWriteTokens: 0 });
    const [request] = await sent(key);
    expect(request.model).toBe("local-model");
    expect(request.response_format.type).toBe("json_schema");
    expect(request.response_format.json_schema.schema.properties.answer.required).toEqual(["name", "size"]);
    expect(request.messages[1].content).toBe('<input>{"request":"a shop"}</input>');
  });

  it("repairs malformed and invalid answers, within bounds", async () => {
    const key = await scenario([
      { content: "not json" },
      { content: JSON.stringify({ answer: { name: "x", size: 0 } }) },
      { content: JSON.stringify({ answer: { name: "x", size: 1 } }) },
    ]);
    expect((await provider(key).structured(call)).value.size).toBe(1);
    const requests = await sent(key);
    expect(requests).toHaveLength(3);
    expect(requests[2].messages.at(-1).content).toContain("answer.size");
    const stubborn = await scenario([{ content: "{}" }, { content: "{}" }]);
    await expect(provider(stubborn, { maxRepairs: 1 }).structured(call)).rejects.toBeInstanceOf(ModelOutputError);
  });

  it("retries 429 and 5xx, then gives a clear error", async () => {
    const key = await scenario([
      { status: 429 },
      { status: 503 },
      { content: JSON.stringify({ answer: { name: "ok", size: 2 } }) },
    ]);
    expect((await provider(key).structured(call)).value.name).toBe("ok");
    const failing = await scenario([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const error = await provider(failing)
      .structured(call)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ModelRequestError);
    expect(error.message).toContain("500");
    const rejected = await scenario([{ status: 400 }]);
    await expect(provider(rejected).structured(call)).rejects.toThrow(/answered 400/);
    expect(await sent(rejected)).toHaveLength(1);
  });

  it("times out a server that does not answer", async () => {
    const key = await scenario([{ delayMs: 2_000, content: "{}" }]);
    await expect(provider(key, { timeoutMs: 200, maxRetries: 0 }).structured(call)).rejects.toThrow(/timed out|abort/i);
  });
});
