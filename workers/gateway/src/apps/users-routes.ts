import { AppName, AppUser, AppUserCreate, AppUserList, PartitionKey } from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";
import { error, json, unauthorized } from "../openapi";

/** `key` names the partition of a perKey app (required there); a single app has one set of users. */
const KeyQuery = z.strictObject({ key: PartitionKey.optional() });

export const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/users",
  operationId: "listAppUsers",
  summary: "The app's end users (v3 accounts), oldest first, a page at a time: never a password or hash",
  request: {
    params: z.object({ name: AppName }),
    query: KeyQuery.extend({
      limit: z.string().optional(),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    ...unauthorized,
    200: json(AppUserList, "a page of users"),
    400: error("a perKey app without `key`, or a bad limit or cursor"),
    404: error("no such app, or it has no accounts"),
  },
});

export const createUserRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/users",
  operationId: "createAppUser",
  summary: "Create an end user as signup does (also when signup is closed); the password is never shown again",
  middleware: [jsonBody] as const,
  request: {
    params: z.object({ name: AppName }),
    query: KeyQuery,
    body: { required: true, content: { "application/json": { schema: AppUserCreate } } },
  },
  responses: {
    ...unauthorized,
    201: json(AppUser, "the user"),
    400: error("as signup: a bad email, password or field; or a perKey app without `key`"),
    404: error("no such app, or it has no accounts"),
    409: error("the email or a unique field is taken"),
  },
});

export const deleteUserRoute = createRoute({
  method: "delete",
  path: "/v1/apps/{name}/users/{id}",
  operationId: "deleteAppUser",
  summary: "Delete an end user, their sessions and the records they own (cascades included)",
  request: { params: z.object({ name: AppName, id: z.string().min(1).max(200) }), query: KeyQuery },
  responses: {
    ...unauthorized,
    204: { description: "deleted" },
    400: error("a perKey app without `key`"),
    404: error("no such app or user"),
    409: error("a `restrict` ref from a record the user does not own points at one of theirs: nothing deleted"),
  },
});
