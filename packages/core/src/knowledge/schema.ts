import { z } from "zod";

const KnowledgeKind = z.enum(["practice", "pattern", "lesson"]);
const KnowledgeSource = z.enum(["seed", "learned", "user"]);

/** A best practice, architecture pattern or learned lesson, as the stages retrieve it. */
export const KnowledgeEntry = z.object({
  id: z.string(),
  kind: KnowledgeKind,
  title: z.string(),
  body: z.string(),
  source: KnowledgeSource,
  /** The stage it helps (`codegen`, `planning`…), or null for any. */
  stage: z.string().nullable(),
  evidence: z.array(z.string()),
  score: z.number(),
  uses: z.int(),
  retired: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KnowledgeEntry = z.infer<typeof KnowledgeEntry>;

export const NewKnowledge = z.strictObject({
  kind: KnowledgeKind.default("practice"),
  title: z.string().trim().min(3).max(200),
  body: z.string().trim().min(3).max(4000),
  stage: z.enum(["planning", "codegen", "testing"]).nullable().default(null),
  evidence: z.array(z.string().max(500)).max(20).default([]),
});
export type NewKnowledge = z.infer<typeof NewKnowledge>;

export const KnowledgePatch = z
  .strictObject({
    title: z.string().trim().min(3).max(200),
    body: z.string().trim().min(3).max(4000),
    stage: z.enum(["planning", "codegen", "testing"]).nullable(),
    score: z.number().min(-100).max(100),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, "give at least one of title, body, stage, score");

export const KnowledgeQuery = z.strictObject({
  q: z.string().max(200).optional(),
  stage: z.string().max(40).optional(),
  retired: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
