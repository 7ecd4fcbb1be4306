import { type KnowledgeEntry, NotFoundError } from "@aidevos/core";
import { knowledgeBaseOf } from "@aidevos/objects";
import { OpenAPIHono } from "@hono/zod-openapi";
import { validationHook } from "../errors";
import {
  addKnowledgeRoute,
  editKnowledgeRoute,
  learningStatsRoute,
  listKnowledgeRoute,
  retireKnowledgeRoute,
} from "./routes";

export const knowledge = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

function found(entry: KnowledgeEntry | null, id: string): KnowledgeEntry {
  if (!entry) throw new NotFoundError(`knowledge entry ${id}`);
  return entry;
}

knowledge.openapi(listKnowledgeRoute, async (c) => {
  const { q, kind, stage, retired, limit } = c.req.valid("query");
  const items = await knowledgeBaseOf(c.env).list({
    q,
    kind,
    stage,
    retired: retired === undefined ? undefined : retired === "true",
    limit,
  });
  return c.json({ items }, 200);
});

knowledge.openapi(addKnowledgeRoute, async (c) => {
  const { entry, created } = await knowledgeBaseOf(c.env).add(c.req.valid("json"));
  return c.json(entry, created ? 201 : 200);
});

knowledge.openapi(editKnowledgeRoute, async (c) => {
  const { id } = c.req.valid("param");
  return c.json(found(await knowledgeBaseOf(c.env).edit(id, c.req.valid("json")), id), 200);
});

knowledge.openapi(retireKnowledgeRoute, async (c) => {
  const { id } = c.req.valid("param");
  return c.json(found(await knowledgeBaseOf(c.env).retire(id), id), 200);
});

knowledge.openapi(learningStatsRoute, async (c) => {
  return c.json({ items: await knowledgeBaseOf(c.env).modelStats() }, 200);
});
