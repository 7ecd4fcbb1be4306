// Proves the OpenAI-compatible provider against a loopback Chat Completions server that refuses non-strict schemas as OpenAI does: the request body field by field, strict json_schema output read back into the contract, repairs, cut answers, retries, timeouts, usage, and errors named by cause.

import { env } from "cloudflare:workers";
import { SpecDraft } from "@aidevos/core";
import { ModelOutputError, ModelRequestError, OpenAiCompatibleProvider } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ScriptedCompletion } from "../fakes/openai-server";
import { scenarios } from "../support/scenarios";

const baseURL = `${(env as unknown as { TEST_OPENAI_URL: string }).TEST_OPENAI_URL}/v1`;
const Answer = z.object({ name: z.string(), size: z.int().min(1), note: z.string().optional() });
const call = { task: "spec" as const, schema: Answer, system: "Name it.", input: { request: "a shop" } };

const { scenario, sent } = scenarios<ScriptedCompletion>(baseURL.replace(/\/v1$/, ""), "key-");

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
    // Chat Completions, field by field: nothing else is sent.
    expect(Object.keys(request).sort()).toEqual(["max_completion_tokens", "messages", "model", "response_format"]);
    expect(request.model).toBe("local-model");
    expect(request.max_completion_tokens).toBe(8_000);
    expect(request.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user"]);
    expect(request.messages[0].content).toContain("Name it.");
    expect(request.messages[0].content).not.toContain("a shop");
    expect(request.messages[1].content).toBe('<input>{"request":"a shop"}</input>');
    expect(request.response_format.type).toBe("json_schema");
    expect(Object.keys(request.response_format.json_schema).sort()).toEqual(["name", "schema", "strict"]);
    expect(request.response_format.json_schema).toMatchObject({ name: "answer", strict: true });
    const answer = request.response_format.json_schema.schema.properties.answer;
    // Strict mode: every property required, the optional one nullable, no extra keys, no minimum.
    expect(answer.required).toEqual(["name", "size", "note"]);
    expect(answer.additionalProperties).toBe(false);
    expect(answer.properties.note.anyOf).toEqual([{ type: "string" }, { type: "null" }]);
    expect(answer.properties.size.minimum).toBeUndefined();
  });

  it("sends the spec contract in a form strict mode accepts, and reads maps and nulls back", async () => {
    const strictAnswer = {
      answer: {
        spec: {
          name: "shop",
          description: null,
          partition: null,
          entities: [
            {
              name: "item",
              plural: "items",
              description: null,
              fields: [{ key: "title", value: { type: "string", required: true, description: null } }],
              unique: null,
              ttlSeconds: null,
              operations: null,
            },
          ],
          counters: null,
          rateLimit: null,
          performance: null,
        },
        requirements: [],
        acceptanceCriteria: [],
      },
    };
    const key = await scenario([{ content: JSON.stringify(strictAnswer) }]);
    const result = await provider(key).structured({ ...call, schema: SpecDraft });
    expect(result.value.spec.entities[0]!.fields).toEqual({ title: { type: "string", required: true } });
    expect(result.value.spec.partition).toBe("single");
    expect(await sent(key)).toHaveLength(1);
  });

  it("is refused by the fake, as by OpenAI, when the schema is not strict-mode JSON Schema", async () => {
    const key = await scenario([{ content: "{}" }]);
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "m",
        messages: [],
        response_format: {
          type: "json_schema",
          json_schema: { name: "answer", strict: true, schema: z.toJSONSchema(z.strictObject({ answer: SpecDraft })) },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^Invalid schema/);
  });

  it("never parses an answer cut at the output cap: asks again with a larger cap, or fails as model_truncated", async () => {
    const key = await scenario([
      { content: '{"answer":{"name":"sh', finishReason: "length" },
      { content: JSON.stringify({ answer: { name: "shop", size: 2 } }) },
    ]);
    expect((await provider(key, { maxTokens: 100, maxTokensCap: 400 }).structured(call)).value.name).toBe("shop");
    expect((await sent(key)).map((r) => r.max_completion_tokens)).toEqual([100, 200]);
    const cut = { content: '{"answer":', finishReason: "length" as const };
    const always = await scenario([cut, cut, cut]);
    const error = await provider(always, { maxTokens: 100, maxTokensCap: 400 })
      .structured(call)
      .catch((e) => e);
    expect(error.code).toBe("model_truncated");
    expect((await sent(always)).map((r) => r.max_completion_tokens)).toEqual([100, 200, 400]);
  });

  it("names failures by cause: overloaded, unreachable, refused", async () => {
    const busy = await scenario([{ status: 503 }, { status: 429 }, { status: 503 }]);
    expect(
      await provider(busy)
        .structured(call)
        .catch((e) => e.code),
    ).toBe("model_overloaded");
    const dropped = await scenario([{ hangUp: true }, { hangUp: true }]);
    expect(
      await provider(dropped, { maxRetries: 1 })
        .structured(call)
        .catch((e) => e.code),
    ).toBe("model_unreachable");
    const closed = new OpenAiCompatibleProvider({
      baseURL: "http://127.0.0.1:9/v1",
      models: { default: "m" },
      maxRetries: 0,
    });
    expect(await closed.structured(call).catch((e) => e.code)).toBe("model_unreachable");
    const refusing = await scenario([{ refusal: "I can't help with that." }]);
    const refused = await provider(refusing)
      .structured(call)
      .catch((e) => e);
    expect(refused.code).toBe("model_output_invalid");
    expect(refused.message).toContain("can't help");
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
