// Proves the app Worker exactly as it is uploaded to Cloudflare (the sandboxed modules of CloudflareDeployer, run by
// `wrangler dev` with the same Durable Object binding and migration) is its own host: channels relay, reply to the
// sender and take HTTP broadcasts through the hibernation API in its App object, keys keep rooms apart, a big frame
// closes with 1009, a member's messages are signed in by its upgrade's token until logout, an expired session's
// token is refused at once, and the platform's
// /_aidevos/ calls are refused from outside.
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { AppSpec } from "@aidevos/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCode, got as gotFrames, type Member, connect as open } from "../support/websocket";
import { serveUploadedApp } from "./uploaded-app";
import type { DevServer } from "./wrangler-dev";

const SPEC = AppSpec.parse({
  name: "cf-chat",
  partition: "perKey",
  entities: [],
  actions: [
    {
      name: "say",
      method: "POST",
      path: "/say",
      code: 'export default async (req, ctx) => { if (ctx.message === "fail") ctx.error(400, "bad_message", "no"); return "got " + ctx.message + " in " + ctx.key; };',
    },
    {
      name: "announce",
      method: "POST",
      path: "/announce",
      code: 'export default async (req, ctx) => { ctx.broadcast("lobby", { text: String((await ctx.body())?.text) }); return { sent: true }; };',
    },
    {
      name: "tick",
      method: "POST",
      path: "/tick",
      code: "export default async (req, ctx) => ({ schedule: ctx.schedule });",
    },
    {
      name: "who",
      method: "POST",
      path: "/who",
      code: 'export default async (req, ctx) => (ctx.user ? ctx.user.email : "anonymous") + ": " + ctx.message;',
    },
  ],
  accounts: {},
  schedules: [{ name: "ticker", everySeconds: 60, action: "tick" }],
  channels: [{ name: "lobby" }, { name: "chat", onMessage: "say" }, { name: "whoami", onMessage: "who" }],
});

let dev: DevServer;
let base = "";

beforeAll(async () => {
  dev = await serveUploadedApp(SPEC, { readyPath: "/k/probe/channels/lobby" });
  base = dev.base;
}, 120_000);

afterAll(async () => {
  await dev?.stop();
});

/** The last of wrangler's output, in every failed wait. */
const tail = () => `\n${dev.output().slice(-2000)}`;
const connect = (path: string) => open(`${base.replace(/^http/, "ws")}${path}`);
const got = (m: Member, n: number, what: string) => gotFrames(m, n, what, tail);

describe("the uploaded app Worker as its own host", () => {
  it("holds channel members: relay, onMessage reply and error, HTTP broadcast, 1009, 426 and 404", async () => {
    expect((await fetch(`${base}/k/t1/channels/lobby`)).status).toBe(426);
    expect((await fetch(`${base}/k/t1/channels/nope`)).status).toBe(404);
    const a = await connect("/k/t1/channels/lobby");
    const b = await connect("/k/t1/channels/lobby");
    const other = await connect("/k/t2/channels/lobby");
    a.ws.send("hello");
    expect(await got(b, 1, "the relay")).toEqual(["hello"]);
    const chat = await connect("/k/t1/channels/chat");
    chat.ws.send("hi");
    expect(await got(chat, 1, "the reply")).toEqual(["got hi in t1"]);
    chat.ws.send("fail");
    expect(JSON.parse((await got(chat, 2, "the error"))[1]!).error.code).toBe("bad_message");
    const res = await fetch(`${base}/k/t1/announce`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "news" }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse((await got(a, 1, "the broadcast"))[0]!)).toEqual({ text: "news" });
    a.ws.send("x".repeat(64 * 1024 + 1));
    expect(await closeCode(a, "the 1009 close", tail)).toBe(1009);
    expect(other.inbox).toEqual([]);
  });

  it("signs a member's messages in with its upgrade's token while the session lives", async () => {
    const signup = await fetch(`${base}/k/t3/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "cf@example.com", password: "cloudflare pw" }),
    });
    expect(signup.status).toBe(201);
    const { token } = (await signup.json()) as { token: string };
    // Node's WebSocket (undici) sends the headers of its init on the upgrade.
    const url = `${base.replace(/^http/, "ws")}/k/t3/channels/whoami`;
    const signedIn = await new Promise<Member>((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
      const m: Member = { ws, inbox: [], closed: null };
      ws.addEventListener("message", (e) => m.inbox.push(String(e.data)));
      ws.addEventListener("open", () => resolve(m), { once: true });
      ws.addEventListener("error", () => reject(new Error(`could not join ${url}`)), { once: true });
    });
    const anonymous = await connect("/k/t3/channels/whoami");
    signedIn.ws.send("hi");
    expect(await got(signedIn, 1, "the signed-in reply")).toEqual(["cf@example.com: hi"]);
    anonymous.ws.send("hi");
    expect(await got(anonymous, 1, "the anonymous reply")).toEqual(["anonymous: hi"]);
    const out = await fetch(`${base}/k/t3/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.status).toBe(204);
    signedIn.ws.send("again");
    expect((await got(signedIn, 2, "the reply after logout"))[1]).toBe("anonymous: again");
  });

  it("refuses a session token once its session has expired, at once", async () => {
    const signup = await fetch(`${base}/k/t4/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "exp@example.com", password: "expiring pw" }),
    });
    const { token } = (await signup.json()) as { token: string };
    const me = () => fetch(`${base}/k/t4/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);
    // The App object's own SQLite, as wrangler dev keeps it on disk: the session is moved past its end
    // (the clock of workerd cannot be moved), found by its digest, the only form it is stored in.
    const digest = createHash("sha256").update(token).digest("hex");
    const files = readdirSync(dev.persistTo, { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".sqlite"),
    );
    let moved = 0;
    for (const file of files) {
      const db = new DatabaseSync(join(dev.persistTo, file));
      try {
        const has = db.prepare("SELECT name FROM sqlite_master WHERE name = '_sessions'").get();
        if (has)
          moved += Number(db.prepare("UPDATE _sessions SET expires_at = 1 WHERE digest = ?").run(digest).changes);
      } finally {
        db.close();
      }
    }
    expect(moved).toBe(1);
    expect((await me()).status).toBe(401);
    const again = await fetch(`${base}/k/t4/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "exp@example.com", password: "expiring pw" }),
    });
    expect(again.status).toBe(200);
  });

  it("refuses the platform's calls from outside", async () => {
    for (const path of ["/k/t1/_aidevos/realtime", "/k/t1/_aidevos/schedule/ticker"])
      expect((await fetch(`${base}${path}`, { method: "POST" })).status).toBe(404);
  });
});
