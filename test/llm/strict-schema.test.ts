// Proves that every contract the pipeline sends to a model becomes a schema OpenAI's and Anthropic's strict modes accept (the rules the loopback fakes enforce), that zod's own JSON Schema does not, and that strict answers (maps as { key, value } lists, nulls for absent keys) read back into what the contracts expect.

import { ActionCode, Architecture, CodingTask, ReviewFinding, SpecDraft } from "@aidevos/core";
import { fromStrict, strictSchema } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ANTHROPIC_RULES, OPENAI_RULES, strictViolation } from "../fakes/strict-schema";

const CONTRACTS = {
  spec: SpecDraft,
  architecture: Architecture,
  tasks: z.array(CodingTask),
  code: ActionCode,
  review: z.object({ findings: z.array(ReviewFinding) }),
};

const zodJson = (schema: z.ZodType) =>
  z.toJSONSchema(z.object({ answer: schema }), { target: "draft-07", io: "input", unrepresentable: "any" }) as Record<
    string,
    any
  >;

describe("strict schemas", () => {
  for (const [task, contract] of Object.entries(CONTRACTS)) {
    it(`the ${task} contract is accepted by both strict modes`, () => {
      const json = zodJson(contract);
      expect(strictViolation(strictSchema(json, { allRequired: true }), OPENAI_RULES)).toBeNull();
      expect(strictViolation(strictSchema(json, { allRequired: false }), ANTHROPIC_RULES)).toBeNull();
    });
  }

  it("zod's own JSON Schema breaks the rules (the check bites)", () => {
    expect(strictViolation(zodJson(SpecDraft), OPENAI_RULES)).toMatch(/not permitted|required|additionalProperties/);
    expect(strictViolation(zodJson(SpecDraft), ANTHROPIC_RULES)).not.toBeNull();
    expect(strictViolation(z.toJSONSchema(z.strictObject({ a: z.string().optional() })), OPENAI_RULES)).toContain(
      "Missing 'a'",
    );
  });

  it("keeps the constraints it strips as words the model reads", () => {
    const json = zodJson(z.object({ name: z.string().min(2).max(9) }));
    const strict = strictSchema(json, { allRequired: true });
    const name = strict.properties.answer.properties.name;
    expect(name.minLength).toBeUndefined();
    expect(name.description).toContain("minLength 2");
    expect(name.description).toContain("maxLength 9");
  });

  it("reads a strict answer back: maps from { key, value } lists, nulls as absent keys, defaults applied", () => {
    const json = zodJson(SpecDraft);
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
              fields: [
                { key: "title", value: { type: "string", required: true, minLength: 1, description: null } },
                { key: "price", value: { type: "number", min: 0, max: null, required: null } },
              ],
              unique: null,
              ttlSeconds: null,
              operations: null,
            },
          ],
          counters: null,
          rateLimit: null,
          performance: null,
        },
        requirements: ["items have prices"],
        acceptanceCriteria: [],
      },
    };
    const parsed = z.object({ answer: SpecDraft }).parse(fromStrict(strictAnswer, json));
    expect(parsed.answer.spec.entities[0]!.fields).toEqual({
      title: { type: "string", required: true, minLength: 1 },
      price: { type: "number", min: 0 },
    });
    expect(parsed.answer.spec.partition).toBe("single");
    expect(parsed.answer.spec.description).toBeUndefined();
  });
});
