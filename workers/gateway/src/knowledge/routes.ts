import { KnowledgeEntry, KnowledgePatch, KnowledgeQuery, ModelStat, NewKnowledge } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";
import { error, json, unauthorized } from "../openapi";

const Params = z.object({ id: z.string().max(64) });
const entry = json(KnowledgeEntry, "the entry");
const missing = { 404: error("no such entry") };

export const listKnowledgeRoute = createRoute({
  method: "get",
  path: "/v1/knowledge",
  operationId: "listKnowledge",
  summary: "Best practices, patterns and learned lessons; `q` searches their text",
  request: { query: KnowledgeQuery },
  responses: {
    ...unauthorized,
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(KnowledgeEntry) }) } },
      description: "entries",
    },
  },
});

export const addKnowledgeRoute = createRoute({
  method: "post",
  path: "/v1/knowledge",
  operationId: "addKnowledge",
  summary: "Add an entry (an entry with the same title is updated with the new evidence instead)",
  middleware: [jsonBody] as const,
  request: { body: { required: true, content: { "application/json": { schema: NewKnowledge } } } },
  responses: {
    ...unauthorized,
    201: entry,
    200: entry,
  },
});

export const editKnowledgeRoute = createRoute({
  method: "patch",
  path: "/v1/knowledge/{id}",
  operationId: "editKnowledge",
  summary: "Edit an entry's title, body, stage or score",
  middleware: [jsonBody] as const,
  request: { params: Params, body: { required: true, content: { "application/json": { schema: KnowledgePatch } } } },
  responses: {
    ...unauthorized,
    200: entry,
    ...missing,
  },
});

export const retireKnowledgeRoute = createRoute({
  method: "post",
  path: "/v1/knowledge/{id}/retire",
  operationId: "retireKnowledge",
  summary: "Retire an entry: kept for the record, never retrieved again",
  request: { params: Params },
  responses: {
    ...unauthorized,
    200: entry,
    ...missing,
  },
});

export const learningStatsRoute = createRoute({
  method: "get",
  path: "/v1/learning/stats",
  operationId: "learningStats",
  summary:
    "The model updater's statistics per stage, model and prompt version: runs, first passes, failures, refine rounds and cost",
  responses: {
    ...unauthorized,
    200: {
      content: { "application/json": { schema: z.object({ items: z.array(ModelStat) }) } },
      description: "one row per stage, model and prompt version",
    },
  },
});
