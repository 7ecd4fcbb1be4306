// Proves v3 ownership in the app's runtime (real workerd, the sandboxed host, the app's SQLite): owned
// routes need a user; another user's record answers 404 with the very body of a missing one on get,
// update, increment and delete and never appears in lists; ownerId is read-only; read "public" lets
// anyone read while others' writes answer 403; unique keys hold per owner; refs accept only readable
// records; deleting an account deletes its sessions and owned records (cascades; restrict refuses
// it whole); actions are not scoped and create with ownerId from their argument, else ctx.user.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const board: AppSpecInput = {
  name: "board",
  accounts: {},
  entities: [
    {
      name: "note",
      plural: "notes",
      owner: "user",
      fields: {
        title: { type: "string", required: true },
        stars: { type: "integer", min: 0, default: 0 },
      },
      unique: ["title"],
    },
    { name: "post", plural: "posts", owner: "user", read: "public", fields: { title: { type: "string" } } },
    {
      name: "tag",
      plural: "tags",
      owner: "user",
      fields: { noteId: { type: "ref", entity: "note", required: true, onDelete: "cascade" } },
    },
    // Not owned: a shared record that restricts deleting the note it points at.
    { name: "pin", plural: "pins", fields: { noteId: { type: "ref", entity: "note", onDelete: "restrict" } } },
  ],
  actions: [
    {
      name: "allNotes",
      method: "GET",
      path: "/all-notes",
      code: "export default async (req, ctx) => (await ctx.entities.notes.list({ limit: 100 })).items.length;",
    },
    {
      name: "make",
      method: "POST",
      path: "/make",
      code: "export default async (req, ctx) => ctx.entities.notes.create(await ctx.body());",
    },
    {
      name: "mine",
      method: "GET",
      path: "/mine",
      code: "export default async (req, ctx) => (await ctx.entities.notes.list({ where: { ownerId: ctx.user.id } })).items.length;",
    },
  ],
};

type App = Awaited<ReturnType<typeof hostApp>>;

async function user(app: App, email: string): Promise<{ id: string; token: string; h: Record<string, string> }> {
  const res = await app.send("POST", "/auth/signup", { email, password: "a long password" });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, token: res.body.token, h: bearer(res.body.token) };
}

describe("ownership", () => {
  it("needs a user, hides other users' records exactly as missing ones, and keeps ownerId read-only", async () => {
    const app = await hostApp(board);
    const ann = await user(app, "ann@example.com");
    const bob = await user(app, "bob@example.com");
    expect((await app.send("GET", "/notes")).status).toBe(401);
    expect((await app.send("POST", "/notes", { title: "x" })).body.error.code).toBe("unauthorized");
    const made = await app.send("POST", "/notes", { title: "plan" }, ann.h);
    expect(made.status).toBe(201);
    expect(made.body.ownerId).toBe(ann.id);
    const id = made.body.id as string;
    await app.send("POST", "/notes", { title: "bob's" }, bob.h);

    // ownerId cannot be set or changed by a client.
    const forged = await app.send("POST", "/notes", { title: "forged", ownerId: bob.id }, ann.h);
    expect(forged.status).toBe(400);
    expect(forged.body.error.details).toEqual([{ path: "ownerId", message: "unknown field" }]);
    expect((await app.send("PATCH", `/notes/${id}`, { ownerId: bob.id }, ann.h)).status).toBe(400);

    // Bob sees Ann's note exactly as a note that does not exist.
    const missingId = crypto.randomUUID();
    const pairs: [string, string, unknown][] = [
      ["GET", "", undefined],
      ["PATCH", "", { title: "hijacked" }],
      ["POST", "/increment", { field: "stars", by: 1 }],
      ["DELETE", "", undefined],
    ];
    for (const [method, suffix, body] of pairs) {
      const theirs = await app.send(method, `/notes/${id}${suffix}`, body, bob.h);
      const missing = await app.send(method, `/notes/${missingId}${suffix}`, body, bob.h);
      expect(theirs.status, `${method} ${suffix}`).toBe(404);
      expect(JSON.stringify(theirs.body).replaceAll(id, "ID")).toBe(
        JSON.stringify(missing.body).replaceAll(missingId, "ID"),
      );
    }
    // Bad input answers alike too (validation before the lookup, as for a missing record).
    const badTheirs = await app.send("PATCH", `/notes/${id}`, { stars: "x" }, bob.h);
    const badMissing = await app.send("PATCH", `/notes/${missingId}`, { stars: "x" }, bob.h);
    expect(badTheirs.status).toBe(400);
    expect(badTheirs.body).toEqual(badMissing.body);

    const bobsList = await app.send("GET", "/notes", undefined, bob.h);
    expect(bobsList.body.items.map((n: { title: string }) => n.title)).toEqual(["bob's"]);
    expect(JSON.stringify(bobsList.body)).not.toContain(id);
    // Filters and sorts never widen the scope.
    expect((await app.send("GET", "/notes?title=plan", undefined, bob.h)).body.items).toEqual([]);
    expect((await app.send("GET", `/notes/${id}`, undefined, ann.h)).body.title).toBe("plan");
    const inc = await app.send("POST", `/notes/${id}/increment`, { field: "stars", by: 2 }, ann.h);
    expect(inc.body).toMatchObject({ stars: 2, ownerId: ann.id });
    const patched = await app.send("PATCH", `/notes/${id}`, { title: "plan b" }, ann.h);
    expect(patched.body).toMatchObject({ title: "plan b", ownerId: ann.id });
  });

  it("read public: anyone reads and lists, only the owner writes (others 403)", async () => {
    const app = await hostApp(board);
    const ann = await user(app, "ann@example.com");
    const bob = await user(app, "bob@example.com");
    const post = await app.send("POST", "/posts", { title: "hello" }, ann.h);
    expect((await app.send("POST", "/posts", { title: "anon" })).status).toBe(401);
    expect((await app.send("GET", "/posts")).body.items).toHaveLength(1);
    expect((await app.send("GET", `/posts/${post.body.id}`)).body.ownerId).toBe(ann.id);
    const defaced = await app.send("PATCH", `/posts/${post.body.id}`, { title: "x" }, bob.h);
    expect(defaced.status).toBe(403);
    expect(defaced.body.error.code).toBe("forbidden");
    expect((await app.send("DELETE", `/posts/${post.body.id}`, undefined, bob.h)).status).toBe(403);
    expect((await app.send("PATCH", `/posts/${post.body.id}`, { title: "x" })).status).toBe(401);
    expect((await app.send("PATCH", `/posts/${post.body.id}`, { title: "mine" }, ann.h)).status).toBe(200);
  });

  it("holds unique keys per owner and accepts refs only to records the caller can read", async () => {
    const app = await hostApp(board);
    const ann = await user(app, "ann@example.com");
    const bob = await user(app, "bob@example.com");
    const annNote = await app.send("POST", "/notes", { title: "same" }, ann.h);
    expect((await app.send("POST", "/notes", { title: "same" }, bob.h)).status).toBe(201);
    expect((await app.send("POST", "/notes", { title: "same" }, ann.h)).status).toBe(409);
    // Bob cannot point at Ann's note: 400 exactly as for a missing one.
    const missingId = crypto.randomUUID();
    const theirs = await app.send("POST", "/tags", { noteId: annNote.body.id }, bob.h);
    const missing = await app.send("POST", "/tags", { noteId: missingId }, bob.h);
    expect(theirs.status).toBe(400);
    expect(JSON.stringify(theirs.body).replaceAll(annNote.body.id, "ID")).toBe(
      JSON.stringify(missing.body).replaceAll(missingId, "ID"),
    );
    expect((await app.send("POST", "/tags", { noteId: annNote.body.id }, ann.h)).status).toBe(201);
  });

  it("deleting an account deletes its sessions and owned records (cascades); a restrict ref refuses it whole", async () => {
    const app = await hostApp(board);
    const ann = await user(app, "ann@example.com");
    const bob = await user(app, "bob@example.com");
    const note = await app.send("POST", "/notes", { title: "n" }, ann.h);
    await app.send("POST", "/tags", { noteId: note.body.id }, ann.h);
    await app.send("POST", "/posts", { title: "p" }, ann.h);
    await app.send("POST", "/posts", { title: "bob's" }, bob.h);
    // Pins are not owned, but a ref to a note needs a caller who can read it.
    expect((await app.send("POST", "/pins", { noteId: note.body.id })).status).toBe(400);
    const pin = await app.send("POST", "/pins", { noteId: note.body.id }, ann.h);
    expect(pin.status).toBe(201);
    const refused = await app.send("DELETE", "/auth/me", { password: "a long password" }, ann.h);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    // Nothing went: the account, its note and its tag are all there.
    expect((await app.send("GET", "/auth/me", undefined, ann.h)).status).toBe(200);
    expect((await app.send("GET", "/tags", undefined, ann.h)).body.items).toHaveLength(1);
    await app.send("DELETE", `/pins/${pin.body.id}`);
    expect((await app.send("DELETE", "/auth/me", { password: "a long password" }, ann.h)).status).toBe(204);
    expect((await app.send("GET", "/auth/me", undefined, ann.h)).status).toBe(401);
    expect((await app.send("GET", "/all-notes")).body).toBe(0);
    const posts = await app.send("GET", "/posts");
    expect(posts.body.items.map((p: { title: string }) => p.title)).toEqual(["bob's"]);
    // The email is free again, and the new account owns nothing.
    const again = await user(app, "ann@example.com");
    expect((await app.send("GET", "/tags", undefined, again.h)).body.items).toEqual([]);
  });

  it("actions are not scoped; a create takes ownerId from its argument, else ctx.user, else 400", async () => {
    const app = await hostApp(board);
    const ann = await user(app, "ann@example.com");
    const bob = await user(app, "bob@example.com");
    await app.send("POST", "/notes", { title: "a" }, ann.h);
    await app.send("POST", "/notes", { title: "b" }, bob.h);
    expect((await app.send("GET", "/all-notes")).body).toBe(2);
    expect((await app.send("GET", "/mine", undefined, ann.h)).body).toBe(1);
    const byUser = await app.send("POST", "/make", { title: "c" }, bob.h);
    expect(byUser.body.ownerId).toBe(bob.id);
    const byArgument = await app.send("POST", "/make", { title: "d", ownerId: ann.id }, bob.h);
    expect(byArgument.body.ownerId).toBe(ann.id);
    const nobody = await app.send("POST", "/make", { title: "e" });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.code).toBe("validation_failed");
  });
});
