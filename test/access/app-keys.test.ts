// Proves access keys: an `access: "key"` app answers 401 unauthorized with WWW-Authenticate: Bearer
// without a valid key (channel upgrades too, where a browser's key.<key> subprotocol counts), a key
// is shown once and listed by id only, revocation works from the very next request, keys survive
// redeploys and rollbacks, and perKey apps check the key before any partition is touched.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { redactedSample } from "../../workers/gateway/src/apps/traffic";
import { uniqueName } from "../support/api";
import { api, deployed, json, rollback } from "./support";

function spec(name: string, partition: "single" | "perKey" = "single", description?: string): AppSpecInput {
  return {
    name,
    partition,
    access: "key",
    description,
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    // Staging authenticates itself: these run before the first key exists.
    examples: [{ method: "POST", path: "/notes", body: { text: "hi" }, status: 201 }],
  };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("app keys", () => {
  it("guard an access: key app; a key is shown once, listed by id, and revoked at once", async () => {
    const app = uniqueName("keys");
    await deployed(spec(app));

    const anonymous = await api(`/apps/${app}/notes`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect((await json(anonymous)).error.code).toBe("unauthorized");

    const made = await api(`/v1/apps/${app}/keys`, { method: "POST" });
    expect(made.status).toBe(201);
    const { id, key } = await json(made);
    expect(typeof id).toBe("string");
    expect(key.length).toBeGreaterThan(32);

    expect((await api(`/apps/${app}/notes`, { headers: bearer(key) })).status).toBe(200);
    const wrong = await api(`/apps/${app}/notes`, { headers: bearer(`${key}x`) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const listed = await api(`/v1/apps/${app}/keys`);
    const listText = await listed.text();
    expect(listText).not.toContain(key);
    expect(JSON.parse(listText)).toEqual({ items: [{ id, createdAt: expect.any(String) }] });

    // Channels: the upgrade path is checked too; browsers send the key as a subprotocol.
    const upgrade = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13" };
    expect((await api(`/apps/${app}/channels/room`, { headers: upgrade })).status).toBe(401);
    const withProtocol = await api(`/apps/${app}/channels/room`, {
      headers: { ...upgrade, "sec-websocket-protocol": `key.${key}` },
    });
    expect(withProtocol.status).not.toBe(401);

    // Redeploy and rollback keep the key.
    await deployed(spec(app, "single", "v2"));
    expect((await api(`/apps/${app}/notes`, { headers: bearer(key) })).status).toBe(200);
    await rollback(app);
    expect((await api(`/apps/${app}/notes`, { headers: bearer(key) })).status).toBe(200);

    expect((await api(`/v1/apps/${app}/keys/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/apps/${app}/notes`, { headers: bearer(key) })).status).toBe(401);
    expect((await api(`/v1/apps/${app}/keys/${id}`, { method: "DELETE" })).status).toBe(404);
    expect(await json(await api(`/v1/apps/${app}/keys`))).toEqual({ items: [] });
  });

  it("never reach monitoring: a recorded request sample redacts a key in either header", () => {
    const request = new Request("http://app/explode", {
      headers: { authorization: "Bearer adk_secret1", "sec-websocket-protocol": "key.adk_secret2", accept: "x" },
    });
    const sample = redactedSample(request, "/explode");
    expect(sample?.headers).toEqual({
      authorization: "[redacted]",
      "sec-websocket-protocol": "[redacted]",
      accept: "x",
    });
  });

  it("are checked before a perKey partition is reached, and public apps need none", async () => {
    const app = uniqueName("keys-pk");
    await deployed(spec(app, "perKey"));
    expect((await api(`/apps/${app}/k/team-a/notes`)).status).toBe(401);
    const { key } = await json(await api(`/v1/apps/${app}/keys`, { method: "POST" }));
    expect((await api(`/apps/${app}/k/team-a/notes`, { headers: bearer(key) })).status).toBe(200);

    const open = uniqueName("keys-open");
    await deployed({ ...spec(open), access: "public" });
    expect((await api(`/apps/${open}/notes`)).status).toBe(200);
  });
});
