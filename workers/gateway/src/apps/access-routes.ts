import {
  AppKeyCreated,
  AppKeyList,
  AppName,
  OutboundList,
  SecretList,
  SecretName,
  SecretValueBody,
} from "@aidevos/core";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { jsonBody } from "../body";
import { error, json, unauthorized } from "../openapi";

const AppParams = z.object({ name: AppName });
const noContent = (description: string) => ({ 204: { description } });

export const listSecretsRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/secrets",
  operationId: "listAppSecrets",
  summary: "The app's secrets by name: every name its live spec declares and any other set, never a value",
  request: { params: AppParams },
  responses: { ...unauthorized, 200: json(SecretList, "names, whether each is set, and when") },
});

export const putSecretRoute = createRoute({
  method: "put",
  path: "/v1/apps/{name}/secrets/{secret}",
  operationId: "putAppSecret",
  summary:
    "Set a secret (at most 64 KiB), read by the app's actions as ctx.secrets.<NAME>; kept encrypted and never returned",
  middleware: [jsonBody] as const,
  request: {
    params: z.object({ name: AppName, secret: SecretName }),
    body: { required: true, content: { "application/json": { schema: SecretValueBody } } },
  },
  responses: {
    ...unauthorized,
    ...noContent("set"),
    400: error("a name off the pattern, or a value over 64 KiB"),
    502: error("kept, but Cloudflare refused it for the app's Worker"),
  },
});

export const deleteSecretRoute = createRoute({
  method: "delete",
  path: "/v1/apps/{name}/secrets/{secret}",
  operationId: "deleteAppSecret",
  summary: "Unset a secret: ctx.secrets.<NAME> reads undefined from the next request on",
  request: { params: z.object({ name: AppName, secret: SecretName }) },
  responses: {
    ...unauthorized,
    ...noContent("unset (also when it was not set)"),
    400: error("a name off the pattern"),
  },
});

export const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/apps/{name}/keys",
  operationId: "createAppKey",
  summary: 'A new app key for an `access: "key"` app, shown in this answer only (kept as a SHA-256 digest)',
  request: { params: AppParams },
  responses: { ...unauthorized, 201: json(AppKeyCreated, "the key, shown once") },
});

export const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/keys",
  operationId: "listAppKeys",
  summary: "The app's keys: ids and creation dates, never the keys",
  request: { params: AppParams },
  responses: { ...unauthorized, 200: json(AppKeyList, "the keys") },
});

export const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/v1/apps/{name}/keys/{id}",
  operationId: "revokeAppKey",
  summary: "Revoke an app key: requests with it are refused from the moment this answers",
  request: { params: z.object({ name: AppName, id: z.string().regex(/^[0-9a-f]{16}$/) }) },
  responses: { ...unauthorized, ...noContent("revoked"), 404: error("no such key") },
});

export const outboundRoute = createRoute({
  method: "get",
  path: "/v1/apps/{name}/outbound",
  operationId: "getAppOutbound",
  summary: "Calls the app's actions made through ctx.fetch, per origin: count, errors (5xx or no answer), p95",
  request: { params: AppParams },
  responses: { ...unauthorized, 200: json(OutboundList, "per origin"), 404: error("no such app") },
});
