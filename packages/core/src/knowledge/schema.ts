import { z } from "zod";

const KnowledgeKind = z.enum(["practice", "pattern", "lesson"]);
const KnowledgeSource = z.enum(["seed", "learned", "user"]);

/**
 * What an app pattern holds beside its text: the AppSpec (v2, with actions and examples) of an app
 * known to work, the request that produced it, and how it fared in production. The spec is typed
 * loosely here: a spec from before a schema change is still a pattern, and it is parsed as an
 * AppSpec before anything is built from it.
 */
type SpecObject = { [key: string]: string | number | boolean | null | object };
/** Shallowly typed on purpose: a deep type is too deep for the RPC types of the objects that pass it. */
const SpecObject = z.record(z.string(), z.any()) as unknown as z.ZodType<SpecObject>;

export const AppPattern = z.object({
  name: z.string(),
  request: z.string(),
  spec: SpecObject,
  /** AppSpec features the spec relies on that this version may not have yet (e.g. `channels`). */
  needs: z.array(z.string()),
  production: z.array(z.string()),
});
export type AppPattern = z.infer<typeof AppPattern>;

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
  /** For an app pattern: the app it describes. */
  app: AppPattern.optional(),
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
  kind: KnowledgeKind.optional(),
  stage: z.string().max(40).optional(),
  retired: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The model updater's record of one model and prompt version on one stage: outcomes and cost. */
export const ModelStat = z.object({
  stage: z.string(),
  model: z.string(),
  prompt: z.string(),
  runs: z.int(),
  /** Runs whose first code passed (not failed, no refine round). */
  firstPass: z.int(),
  /** Runs that failed. */
  failed: z.int(),
  refineRounds: z.int(),
  cost: z.number(),
  firstPassRate: z.number(),
  failureRate: z.number(),
  refineRoundsPerRun: z.number(),
  costPerRun: z.number(),
});
export type ModelStat = z.infer<typeof ModelStat>;
