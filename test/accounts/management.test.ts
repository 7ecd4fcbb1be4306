// Proves the accounts management API and accounts through the gateway on deployed apps: list (paged,
// no hashes or passwords), create (also with signup closed; 409/400 as signup), delete (204, 404, and
// the account's records go); perKey apps need ?key= (400 without) and a session of one tenant does not
// work in another; an access "key" app takes its key in X-App-Key beside a user's Bearer token, and
// as Bearer only when no user token is there.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, deployed, json } from "../access/support";
import { uniqueName } from "../support/api";

function spec(name: string, extra: Partial<AppSpecInput> = {}): AppSpecInput {
  return {
    name,
    accounts: { signup: "closed", fields: { handle: { type: "string", unique: true } } },
    entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string" } } }],
    // The machine running the tests is shared: the latency gate is not what these prove.
    performance: { p95Ms: 10_000 },
    ...extra,
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(base: string, email: string, password: string, headers: Record<string, string> = {}) {
  return api(`${base}/auth/login`, { method: "POST", json: { email, password }, headers });
}

describe("accounts management API", () => {
  it("lists users a page at a time without hashes, creates them with signup closed, and deletes them", async () => {
    const app = uniqueName("users");
    await deployed(spec(app));
    expect((await api(`/apps/${app}/auth/signup`, { method: "POST", json: { email: "a@b.io" } })).status).toBe(403);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const made = await api(`/v1/apps/${app}/users`, {
        method: "POST",
        json: { email: `User${i}@Example.com`, password: `password number ${i}`, handle: `h${i}` },
      });
      expect(made.status).toBe(201);
      const user = await json(made);
      expect(user).toEqual({
        id: expect.any(String),
        email: `user${i}@example.com`,
        createdAt: expect.any(String),
        handle: `h${i}`,
      });
      ids.push(user.id);
    }
    const dup = await api(`/v1/apps/${app}/users`, {
      method: "POST",
      json: { email: "other@example.com", password: "password number 9", handle: "h1" },
    });
    expect(dup.status).toBe(409);
    const bad = await api(`/v1/apps/${app}/users`, { method: "POST", json: { email: "x", password: "short" } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.details.map((d: { path: string }) => d.path)).toEqual(["email", "password"]);

    const first = await api(`/v1/apps/${app}/users?limit=2`);
    const text = await first.text();
    expect(text).not.toMatch(/pbkdf2|password number|"password"/);
    const page = JSON.parse(text);
    expect(page.items.map((u: { id: string }) => u.id)).toEqual(ids.slice(0, 2));
    expect(page.total).toBe(3);
    const second = await json(await api(`/v1/apps/${app}/users?limit=2&cursor=${page.nextCursor}`));
    expect(second).toMatchObject({ items: [{ id: ids[2] }], nextCursor: null });
    expect((await api(`/v1/apps/${app}/users?cursor=nope`)).status).toBe(400);

    const session = await json(await login(`/apps/${app}`, "user0@example.com", "password number 0"));
    const note = await api(`/apps/${app}/notes`, {
      method: "POST",
      json: { text: "mine" },
      headers: bearer(session.token),
    });
    expect(note.status).toBe(201);
    expect((await api(`/v1/apps/${app}/users/${ids[0]}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/apps/${app}/users/${ids[0]}`, { method: "DELETE" })).status).toBe(404);
    // Its sessions went with it.
    expect((await api(`/apps/${app}/auth/me`, { headers: bearer(session.token) })).status).toBe(401);
    expect((await api(`/v1/apps/nosuchapp${app}/users`)).status).toBe(404);
  });

  it("perKey: needs ?key=, keeps users per tenant, and one tenant's session does not work in another", async () => {
    const app = uniqueName("teams");
    await deployed(spec(app, { partition: "perKey", accounts: { signup: "open" } }));
    const noKey = await api(`/v1/apps/${app}/users`);
    expect(noKey.status).toBe(400);
    expect((await json(noKey)).error.code).toBe("validation_failed");
    const made = await api(`/v1/apps/${app}/users?key=red`, {
      method: "POST",
      json: { email: "ann@example.com", password: "a long password" },
    });
    expect(made.status).toBe(201);
    expect((await json(await api(`/v1/apps/${app}/users?key=red`))).items).toHaveLength(1);
    expect((await json(await api(`/v1/apps/${app}/users?key=blue`))).items).toHaveLength(0);
    const red = await json(await login(`/apps/${app}/k/red`, "ann@example.com", "a long password"));
    expect((await api(`/apps/${app}/k/red/auth/me`, { headers: bearer(red.token) })).status).toBe(200);
    expect((await api(`/apps/${app}/k/blue/auth/me`, { headers: bearer(red.token) })).status).toBe(401);
    expect((await login(`/apps/${app}/k/blue`, "ann@example.com", "a long password")).status).toBe(401);
  });

  it('access "key": the app key in X-App-Key beside a user token, as Bearer only without one', async () => {
    const app = uniqueName("keyed");
    await deployed(spec(app, { access: "key", accounts: { signup: "open" } }));
    const { key } = await json(await api(`/v1/apps/${app}/keys`, { method: "POST" }));
    const appKey = { "x-app-key": key };
    expect(
      (
        await api(`/apps/${app}/auth/signup`, {
          method: "POST",
          json: { email: "k@example.com", password: "a long password" },
        })
      ).status,
    ).toBe(401);
    const signed = await api(`/apps/${app}/auth/signup`, {
      method: "POST",
      json: { email: "k@example.com", password: "a long password" },
      headers: bearer(key),
    });
    expect(signed.status).toBe(201);
    const { token } = await json(signed);
    // A user's token alone is no app key; with X-App-Key beside it the request is signed in.
    expect((await api(`/apps/${app}/auth/me`, { headers: bearer(token) })).status).toBe(401);
    const me = await api(`/apps/${app}/auth/me`, { headers: { ...bearer(token), ...appKey } });
    expect(me.status).toBe(200);
    expect((await json(me)).email).toBe("k@example.com");
    expect((await api(`/apps/${app}/notes`, { headers: { ...bearer(token), ...appKey } })).status).toBe(200);
    // A wrong X-App-Key is refused even with a valid Bearer key.
    expect((await api(`/apps/${app}/notes`, { headers: { ...bearer(key), "x-app-key": `${key}x` } })).status).toBe(401);
  });
});
