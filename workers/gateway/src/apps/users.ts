import { AidevosError, type ErrorDetail, NotFoundError, type UsersAnswer, ValidationError } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { apps } from "./handlers";
import { createUserRoute, deleteUserRoute, listUsersRoute } from "./users-routes";

/*
 * The accounts management API (docs/appspec.md): the app's users live in the app's partitions, so
 * each call goes through the app's host to the partition's app (workers/deploy, accounts/). No
 * answer here carries a password, hash or token: the app's own answers never hold one.
 */

/** The app's answer as the gateway's: its status and body when it succeeded, its error as ours otherwise. */
function answered(name: string, answer: UsersAnswer): { status: number; body: unknown } {
  if (answer.kind === "no_app") throw new NotFoundError(`app ${name}`);
  if (answer.kind === "needs_key")
    throw new ValidationError([{ path: "key", message: `${name} keeps users per key: add ?key=` }]);
  if (answer.status < 400) return answer;
  const envelope = (answer.body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)
    ?.error;
  const status = [400, 404, 405, 409].includes(answer.status) ? answer.status : 502;
  throw new AidevosError(
    status === 502 ? "app_failed" : (envelope?.code ?? "internal_error"),
    status === 502 ? `${name} could not answer for its users` : (envelope?.message ?? "refused"),
    status as 400 | 404 | 405 | 409 | 502,
    Array.isArray(envelope?.details) ? envelope.details.slice(0, 20) : [],
  );
}

apps.openapi(listUsersRoute, async (c) => {
  const { name } = c.req.valid("param");
  const { key, limit, cursor } = c.req.valid("query");
  const query = new URLSearchParams();
  if (limit !== undefined) query.set("limit", limit);
  if (cursor !== undefined) query.set("cursor", cursor);
  const answer = await appHostOf(c.env, name).users(name, key ?? null, { method: "GET", query: query.toString() });
  return c.json(answered(name, answer).body as never, 200);
});

apps.openapi(createUserRoute, async (c) => {
  const { name } = c.req.valid("param");
  const { key } = c.req.valid("query");
  const body = JSON.stringify(c.req.valid("json"));
  const answer = await appHostOf(c.env, name).users(name, key ?? null, { method: "POST", body });
  return c.json(answered(name, answer).body as never, 201);
});

apps.openapi(deleteUserRoute, async (c) => {
  const { name, id } = c.req.valid("param");
  const { key } = c.req.valid("query");
  answered(name, await appHostOf(c.env, name).users(name, key ?? null, { method: "DELETE", id }));
  return c.body(null, 204);
});
