// Proves accounts and ownership in an app's contract: the diff calls making an entity owned, removing
// read "public", removing accounts and closing signup breaking, and adding accounts (or an owned entity)
// not; the OpenAPI document describes the auth routes, the user schema, the bearer and cookie security
// schemes and each owned entity's read-only ownerId, and never a password.
import { AppSpec, type AppSpecInput, appContract, contractDiff } from "@aidevos/core";
import { describe, expect, it } from "vitest";

const plain: AppSpecInput = {
  name: "notes",
  entities: [
    { name: "note", plural: "notes", fields: { text: { type: "string" } } },
    { name: "post", plural: "posts", fields: { title: { type: "string" } } },
  ],
};
const spec = (input: AppSpecInput) => AppSpec.parse(input);
const withAccounts = (extra: Partial<AppSpecInput> = {}) => spec({ ...plain, accounts: {}, ...extra });
const breaking = (before: AppSpec, after: AppSpec) =>
  contractDiff(before, after)
    .filter((c) => c.breaking)
    .map((c) => c.at);

describe("accounts in the contract", () => {
  it("diffs accounts and ownership: what breaks clients and what does not", () => {
    const before = spec(plain);
    const accounts = withAccounts();
    expect(breaking(before, accounts)).toEqual([]);
    expect(contractDiff(before, accounts).map((c) => c.at)).toEqual(["accounts"]);
    expect(breaking(accounts, before)).toEqual(["accounts"]);
    expect(breaking(accounts, withAccounts({ accounts: { signup: "closed" } }))).toEqual(["accounts.signup"]);
    expect(breaking(withAccounts({ accounts: { signup: "closed" } }), accounts)).toEqual([]);
    const owned = (read?: "public") =>
      withAccounts({
        entities: [{ ...plain.entities![0]!, owner: "user", ...(read ? { read } : {}) }, plain.entities![1]!],
      });
    expect(breaking(accounts, owned())).toEqual(["notes.owner"]);
    expect(breaking(owned("public"), owned())).toEqual(["notes.read"]);
    expect(breaking(owned(), owned("public"))).toEqual([]);
    expect(breaking(owned(), accounts)).toEqual([]);
    // A new owned entity breaks nobody: no client used it.
    const added = withAccounts({
      entities: [...plain.entities!, { name: "tag", plural: "tags", owner: "user", fields: {} }],
    });
    expect(breaking(accounts, added)).toEqual([]);
  });

  it("documents the auth routes, the user, the bearer and cookie schemes and ownerId", () => {
    const doc = appContract(
      withAccounts({
        accounts: { minPasswordLength: 12, fields: { handle: { type: "string", maxLength: 20, unique: true } } },
        entities: [
          { ...plain.entities![0]!, owner: "user" },
          { ...plain.entities![1]!, owner: "user", read: "public" },
        ],
      }),
      { serverUrl: "http://x/apps/notes" },
    ) as any;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/auth/signup", "/auth/login", "/auth/logout", "/auth/me"]),
    );
    expect(Object.keys(doc.paths["/auth/me"])).toEqual(["get", "patch", "delete"]);
    const signup = doc.paths["/auth/signup"].post.requestBody.content["application/json"].schema;
    expect(signup.properties.password.minLength).toBe(12);
    expect(signup.properties.handle.maxLength).toBe(20);
    expect(doc.components.schemas.User.properties).not.toHaveProperty("password");
    expect(doc.components.securitySchemes.userBearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({
      type: "apiKey",
      in: "cookie",
      name: "session",
    });
    expect(doc.components.schemas.Note.properties.ownerId).toMatchObject({ type: "string", readOnly: true });
    expect(doc.components.schemas.NoteCreate.properties).not.toHaveProperty("ownerId");
    expect(doc.paths["/notes"].get.security).toEqual([{ userBearer: [] }, { sessionCookie: [] }]);
    expect(doc.paths["/notes"].get.responses["401"]).toBeDefined();
    expect(doc.paths["/posts"].get.security).toContainEqual({});
    expect(doc.paths["/posts/{id}"].patch.responses["403"]).toBeDefined();
    expect(doc.paths["/auth/login"].post.responses["429"].headers["Retry-After"]).toBeDefined();
    // Without accounts nothing of this appears.
    const none = appContract(spec(plain), { serverUrl: "http://x" }) as any;
    expect(JSON.stringify(none)).not.toMatch(/\/auth\/|ownerId|userBearer/);
  });
});
