// Proves AppSpec v3 accounts in the app's runtime (real workerd, the sandboxed host, the app's SQLite):
// signup/login/logout/me, PBKDF2-SHA256 with 100,000 iterations stored with its count, tokens stored only
// as SHA-256, lockout per normalized email with Retry-After (right password included), one 401 for an
// unknown email and a wrong password, invalid tokens counting as absent, expiry, the session cookie's
// attributes, password changes ending other sessions, unique account fields, and ctx.user/ctx.accounts.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
// The runtime's password code, imported as code (compile.ts ships the same file to every app as text).
import {
  digestOf,
  hashPassword,
  LOCK_WINDOW_MS,
  lockedFor,
  nextFailures,
  PBKDF2_ITERATIONS,
  sameBytes,
  verifyPassword,
  // @ts-expect-error the runtime is JavaScript, type-checked by its own tsconfig
} from "../../packages/compiler/runtime/passwords.js";
import { hostApp } from "../support/app-host";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function spec(extra: Partial<AppSpecInput> = {}): AppSpecInput {
  return {
    name: "club",
    accounts: {
      minPasswordLength: 10,
      sessionDays: 1,
      fields: {
        displayName: { type: "string", maxLength: 20, unique: true },
        age: { type: "integer", min: 0 },
      },
    },
    entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "whoami",
        method: "GET",
        path: "/whoami",
        code: "export default async (req, ctx) => ({ user: ctx.user });",
      },
      {
        name: "invite",
        method: "POST",
        path: "/invite",
        code: `export default async (req, ctx) => {
          const user = await ctx.accounts.create(await ctx.body());
          const token = await ctx.accounts.signIn(user.id);
          return { user: await ctx.accounts.get(user.id), token, missing: (await ctx.accounts.get("nope")) ?? null };
        };`,
      },
    ],
    ...extra,
  };
}

async function signup(app: Awaited<ReturnType<typeof hostApp>>, email: string, password = "a long password") {
  const res = await app.send("POST", "/auth/signup", { email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { user: { id: string; email: string }; token: string };
}

describe("accounts", () => {
  it("sign up, log in, read me, log out; emails compared trimmed and lower-cased", async () => {
    const app = await hostApp(spec());
    const made = await app.send("POST", "/auth/signup", {
      email: "  Ann@Example.COM ",
      password: "correct horse battery",
      displayName: "Ann",
    });
    expect(made.status).toBe(201);
    expect(made.body.user).toEqual({
      id: expect.any(String),
      email: "ann@example.com",
      createdAt: expect.any(String),
      displayName: "Ann",
      age: null,
    });
    expect(made.body.token).toMatch(/^[A-Za-z0-9_]{40,}$/);
    expect(JSON.stringify(made.body)).not.toContain("correct horse battery");
    const dup = await app.send("POST", "/auth/signup", { email: "ANN@example.com", password: "another long one" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    const sameName = await app.send("POST", "/auth/signup", {
      email: "bo@example.com",
      password: "another long one",
      displayName: "Ann",
    });
    expect(sameName.status).toBe(409);

    const login = await app.send("POST", "/auth/login", {
      email: "ann@EXAMPLE.com",
      password: "correct horse battery",
    });
    expect(login.status).toBe(200);
    expect(login.body.user.email).toBe("ann@example.com");
    const me = await app.send("GET", "/auth/me", undefined, bearer(login.body.token));
    expect(me.status).toBe(200);
    expect(me.body).toEqual(made.body.user);

    expect((await app.send("POST", "/auth/logout", undefined, bearer(login.body.token))).status).toBe(204);
    // Logout ends only that session: the signup's token still works.
    expect((await app.send("GET", "/auth/me", undefined, bearer(login.body.token))).status).toBe(401);
    expect((await app.send("GET", "/auth/me", undefined, bearer(made.body.token))).status).toBe(200);
  });

  it("refuses bad signups with validation_failed naming each field, and undeclared keys", async () => {
    const app = await hostApp(spec());
    const cases: [unknown, string[]][] = [
      [{ email: "nope", password: "long enough pw" }, ["email"]],
      [{ email: `${"a".repeat(250)}@x.io`, password: "long enough pw" }, ["email"]],
      [{ email: "a@b", password: "long enough pw" }, ["email"]],
      [{ email: "a@b.io", password: "short" }, ["password"]],
      [{ email: "a@b.io", password: "x".repeat(257) }, ["password"]],
      [{ email: "a@b.io", password: "long enough pw", color: "red" }, ["color"]],
      [{ email: "a@b.io", password: "long enough pw", age: -1 }, ["age"]],
      [{ password: "long enough pw" }, ["email"]],
    ];
    for (const [body, paths] of cases) {
      const res = await app.send("POST", "/auth/signup", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(paths);
    }
    expect((await app.send("POST", "/auth/signup", "{nope")).body.error.code).toBe("invalid_json");
    expect((await app.send("GET", "/auth/signup")).status).toBe(405);
  });

  it("hashes with PBKDF2-SHA256, 100,000 iterations and a 16-byte salt, and verifies with the stored count", async () => {
    expect(PBKDF2_ITERATIONS).toBe(100000);
    const stored: string = await hashPassword("correct horse battery");
    const [scheme, count, salt, hash] = stored.split(":");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(count).toBe("100000");
    const saltBytes = Uint8Array.from(atob(salt!), (c) => c.charCodeAt(0));
    expect(saltBytes.length).toBe(16);
    // The hash is PBKDF2 of the password with that salt and count, nothing else.
    const derive = async (password: string, s: Uint8Array, iterations: number) => {
      const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
        "deriveBits",
      ]);
      return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: s, iterations }, key, 256);
    };
    const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));
    expect(b64(await derive("correct horse battery", saltBytes, 100000))).toBe(hash);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    // Another salt each time.
    expect((await hashPassword("correct horse battery")).split(":")[2]).not.toBe(salt);
    // A hash made with another count verifies with that count (the count is read, not assumed).
    const old = `pbkdf2-sha256:1000:${b64(saltBytes)}:${b64(await derive("older", saltBytes, 1000))}`;
    expect(await verifyPassword("older", old)).toBe(true);
    expect(await verifyPassword("older", old.replace(":1000:", ":100000:"))).toBe(false);
    expect(await verifyPassword("older", "plain:older")).toBe(false);
    // Constant time: every byte is compared (a difference anywhere, or in length, is a difference).
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(await digestOf("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("locks an email for 15 minutes after the last of five failures within 15 minutes of the first", () => {
    let row: unknown = null;
    const t0 = 1_000_000_000;
    for (let i = 0; i < 4; i++) row = nextFailures(row, t0 + i * 60_000);
    expect(lockedFor(row, t0 + 4 * 60_000)).toBe(0);
    row = nextFailures(row, t0 + 5 * 60_000);
    expect(lockedFor(row, t0 + 5 * 60_000)).toBe(900);
    expect(lockedFor(row, t0 + 5 * 60_000 + LOCK_WINDOW_MS - 1)).toBe(1);
    expect(lockedFor(row, t0 + 5 * 60_000 + LOCK_WINDOW_MS)).toBe(0);
    // Failures spread over more than 15 minutes from the first start a new window and never lock.
    let slow: unknown = null;
    for (let i = 0; i < 10; i++) slow = nextFailures(slow, t0 + i * 4 * 60_000);
    expect(lockedFor(slow, t0 + 40 * 60_000)).toBe(0);
  });

  it("answers one 401 for an unknown email and a wrong password, and locks an email out after five failures", async () => {
    const app = await hostApp(spec());
    await signup(app, "lee@example.com", "correct horse battery");
    const wrong = await app.send("POST", "/auth/login", { email: "lee@example.com", password: "wrong guess 1" });
    const unknown = await app.send("POST", "/auth/login", { email: "who@example.com", password: "wrong guess 1" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    // 400 only for a missing or non-string field.
    expect((await app.send("POST", "/auth/login", { email: "lee@example.com" })).status).toBe(400);
    expect((await app.send("POST", "/auth/login", { email: 1, password: "x" })).status).toBe(400);
    for (let i = 0; i < 4; i++)
      expect(
        (await app.send("POST", "/auth/login", { email: " LEE@example.com", password: `wrong ${i}` })).status,
      ).toBe(401);
    const locked = await app.send("POST", "/auth/login", {
      email: "lee@example.com",
      password: "correct horse battery",
    });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    // Counted per email: another email is not locked, and five unknown-email failures lock that email too.
    for (let i = 0; i < 5; i++)
      expect((await app.send("POST", "/auth/login", { email: "ghost@example.com", password: "x" })).status).toBe(401);
    expect((await app.send("POST", "/auth/login", { email: "ghost@example.com", password: "x" })).status).toBe(429);
  });

  it("treats an invalid token as absent; Bearer or cookie signs a request in", async () => {
    const app = await hostApp(spec());
    const { token } = await signup(app, "eve@example.com");
    expect((await app.send("GET", "/whoami", undefined, bearer("aus_nonsense"))).body).toEqual({ user: null });
    expect((await app.send("GET", "/notes", undefined, bearer("aus_nonsense"))).status).toBe(401);
    const viaCookie = await app.send("GET", "/whoami", undefined, { cookie: `theme=dark; session=${token}` });
    expect(viaCookie.body.user.email).toBe("eve@example.com");
    // A token of another app's partition (or any other string) is no session here.
    const other = await hostApp(spec());
    const theirs = await signup(other, "eve@example.com");
    expect((await app.send("GET", "/auth/me", undefined, bearer(theirs.token))).status).toBe(401);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, Path=B, and Secure over https", async () => {
    const app = await hostApp(spec());
    const made = await app.send("POST", "/auth/signup", { email: "c@example.com", password: "a long password" });
    const cookie = made.headers.get("set-cookie")!;
    expect(cookie).toBe(`session=${made.body.token}; HttpOnly; SameSite=Lax; Path=/`);
    const secure = await app.send(
      "POST",
      "/auth/login",
      { email: "c@example.com", password: "a long password" },
      { "x-forwarded-proto": "https" },
    );
    expect(secure.headers.get("set-cookie")).toMatch(/; Secure$/);
    const out = await app.send("POST", "/auth/logout", undefined, bearer(made.body.token));
    expect(out.headers.get("set-cookie")).toContain("session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0");
    const keyed = await hostApp({ ...spec(), name: "clubs", partition: "perKey" });
    const inKey = await keyed.send(
      "POST",
      "/auth/signup",
      { email: "c@example.com", password: "a long password" },
      { "x-aidevos-partition-key": "team1" },
    );
    expect(inKey.headers.get("set-cookie")).toContain("Path=/k/team1");
  });

  it("changes fields and the password through PATCH /auth/me (other sessions end), and deletes with DELETE", async () => {
    const app = await hostApp(spec());
    const first = await signup(app, "pat@example.com", "first password");
    const second = (await app.send("POST", "/auth/login", { email: "pat@example.com", password: "first password" }))
      .body.token as string;
    const renamed = await app.send("PATCH", "/auth/me", { displayName: "Pat" }, bearer(first.token));
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe("Pat");
    expect((await app.send("PATCH", "/auth/me", { password: "second password" }, bearer(first.token))).status).toBe(
      400,
    );
    const wrong = await app.send(
      "PATCH",
      "/auth/me",
      { password: "second password", currentPassword: "not it at all" },
      bearer(first.token),
    );
    expect(wrong.status).toBe(401);
    const changed = await app.send(
      "PATCH",
      "/auth/me",
      { password: "second password", currentPassword: "first password" },
      bearer(first.token),
    );
    expect(changed.status).toBe(200);
    expect((await app.send("GET", "/auth/me", undefined, bearer(second))).status).toBe(401);
    expect((await app.send("GET", "/auth/me", undefined, bearer(first.token))).status).toBe(200);
    expect(
      (await app.send("POST", "/auth/login", { email: "pat@example.com", password: "second password" })).status,
    ).toBe(200);
    expect((await app.send("DELETE", "/auth/me", { password: "first password" }, bearer(first.token))).status).toBe(
      401,
    );
    expect((await app.send("DELETE", "/auth/me", { password: "second password" }, bearer(first.token))).status).toBe(
      204,
    );
    expect((await app.send("GET", "/auth/me", undefined, bearer(first.token))).status).toBe(401);
    expect(
      (await app.send("POST", "/auth/login", { email: "pat@example.com", password: "second password" })).status,
    ).toBe(401);
  });

  it("checks an account field's pattern in an app with actions (the pattern engine ships for account fields too)", async () => {
    const app = await hostApp(
      spec({ accounts: { fields: { handle: { type: "string", required: true, pattern: "^[a-z]{3,8}$" } } } }),
    );
    const good = await app.send("POST", "/auth/signup", {
      email: "h@example.com",
      password: "long password",
      handle: "ann",
    });
    expect(good.status).toBe(201);
    const bad = await app.send("POST", "/auth/signup", {
      email: "i@example.com",
      password: "long password",
      handle: "A!",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(["handle"]);
  });

  it("closed signup answers 403 before any validation; ctx.accounts creates (also closed), gets and signs in", async () => {
    const app = await hostApp(spec({ accounts: { signup: "closed" } }));
    const closed = await app.send("POST", "/auth/signup", "{not json");
    expect(closed.status).toBe(403);
    expect(closed.body.error.code).toBe("forbidden");
    const invited = await app.send("POST", "/invite", { email: "inv@example.com", password: "invited user pw" });
    expect(invited.status).toBe(200);
    expect(invited.body.user.email).toBe("inv@example.com");
    expect(invited.body.missing).toBeNull();
    const who = await app.send("GET", "/whoami", undefined, bearer(invited.body.token));
    expect(who.body.user).toEqual(invited.body.user);
    const bad = await app.send("POST", "/invite", { email: "bad", password: "invited user pw" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});
