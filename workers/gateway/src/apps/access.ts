import { AidevosError, NotFoundError, type VersionChange } from "@aidevos/core";
import { appControlOf, appMonitorOf, registryOf } from "@aidevos/objects";
import {
  createKeyRoute,
  deleteSecretRoute,
  listKeysRoute,
  listSecretsRoute,
  outboundRoute,
  putSecretRoute,
  revokeKeyRoute,
} from "./access-routes";
import { apps } from "./handlers";

/*
 * Secrets and keys belong to the app's name, not to a version: they may be set before the first
 * deploy (so its examples can use them) and survive redeploys and rollbacks. Values and keys go in
 * and never come out: no answer, log or event here carries one.
 */

/** The value is kept either way; Cloudflare refusing to take it for the app's Worker is said as such. */
function shipped(refused: VersionChange | null): void {
  if (refused && !refused.ok)
    throw new AidevosError(
      "cloudflare_api_error",
      `kept, but not on the app's Cloudflare Worker: ${refused.message}`,
      502,
    );
}

apps.openapi(listSecretsRoute, async (c) => {
  const { name } = c.req.valid("param");
  const live = await registryOf(c.env).getApp(name);
  const declared = live?.spec.secrets ?? [];
  return c.json({ items: await appControlOf(c.env, name).listSecrets(declared) }, 200);
});

apps.openapi(putSecretRoute, async (c) => {
  const { name, secret } = c.req.valid("param");
  shipped(await appControlOf(c.env, name).setSecret(secret, c.req.valid("json").value));
  return c.body(null, 204);
});

apps.openapi(deleteSecretRoute, async (c) => {
  const { name, secret } = c.req.valid("param");
  shipped(await appControlOf(c.env, name).deleteSecret(secret));
  return c.body(null, 204);
});

apps.openapi(createKeyRoute, async (c) => {
  const { name } = c.req.valid("param");
  return c.json(await appControlOf(c.env, name).createKey(), 201);
});

apps.openapi(listKeysRoute, async (c) => {
  const { name } = c.req.valid("param");
  return c.json({ items: await appControlOf(c.env, name).listKeys() }, 200);
});

apps.openapi(revokeKeyRoute, async (c) => {
  const { name, id } = c.req.valid("param");
  if (!(await appControlOf(c.env, name).revokeKey(id))) throw new NotFoundError(`key ${id} of ${name}`);
  return c.body(null, 204);
});

apps.openapi(outboundRoute, async (c) => {
  const { name } = c.req.valid("param");
  if (!(await registryOf(c.env).live(name))) throw new NotFoundError(`app ${name}`);
  return c.json({ items: await appMonitorOf(c.env, name).outbound() }, 200);
});
