// Proves signed-in channel upgrades (docs/appspec.md, Accounts: "A channel upgrade may be signed in, and its onMessage
// action sees that ctx.user"): a member that joined with a user's Bearer token or session cookie runs onMessage with
// that ctx.user (and an owned create takes its id); one without, or with a token that is not valid, runs with null;
// a token revoked after the upgrade counts as absent from the next message on; and a client cannot name a session
// itself (the platform's own header on the upgrade is ignored). Schedules still run with ctx.user null.
import { exports } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { accepted, api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { got, type Member } from "../support/websocket";

function spec(name: string): AppSpecInput {
  return {
    name,
    performance: { p95Ms: 10_000 },
    accounts: {},
    entities: [{ name: "line", plural: "lines", owner: "user", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "say",
        method: "POST",
        path: "/say",
        code: `export default async (req, ctx) => {
  if (!ctx.user) return "anonymous: " + ctx.message;
  const line = await ctx.entities.lines.create({ text: ctx.message });
  return ctx.user.email + ": " + ctx.message + (line.ownerId === ctx.user.id ? " (owned)" : " (not owned)");
};`,
      },
    ],
    channels: [{ name: "chat", onMessage: "say" }],
  };
}

/** A member through the gateway's origin (`/apps/{name}/…`), or with `origin` on the app's own origin, where cookies go. */
async function join(path: string, headers: Record<string, string> = {}, origin?: string): Promise<Member> {
  const res = origin
    ? await exports.default.fetch(
        new Request(`http://${origin}${path}`, { headers: { host: origin, upgrade: "websocket", ...headers } }),
      )
    : await api(path, { headers: { upgrade: "websocket", ...headers } });
  return accepted(path, res);
}

/** The member's reply to `text` (its next frame). */
async function ask(m: Member, text: string): Promise<string> {
  const before = m.inbox.length;
  m.ws.send(text);
  return (await got(m, before + 1, `the reply to ${text}`))[before]!;
}

async function hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("signed-in channel upgrades", () => {
  it("give onMessage the member's ctx.user, null without a valid token, and null once the token is revoked", async () => {
    const name = uniqueName("chan-users");
    const run = await waitForRun((await startRun({ request: "r", spec: spec(name) })).id);
    expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
    const base = `/apps/${name}`;
    const signup = async (email: string) =>
      json(await api(`${base}/auth/signup`, { method: "POST", json: { email, password: "channel password" } }));
    const ann = await signup("ann@example.com");
    const bo = await signup("bo@example.com");

    const byBearer = await join(`${base}/channels/chat`, { authorization: `Bearer ${ann.token}` });
    // Cookies reach an app only on its own origin (the gateway's drops them).
    const byCookie = await join(
      "/channels/chat",
      { cookie: `theme=dark; session=${bo.token}` },
      `${name}.localhost:8787`,
    );
    const anonymous = await join(`${base}/channels/chat`);
    const forged = await join(`${base}/channels/chat`, { authorization: "Bearer aus_not_a_real_token" });
    // The platform's session header, sent by a client with the digest of ann's token, names nobody.
    const spoofed = await join(`${base}/channels/chat`, { "x-aidevos-session": await hex(ann.token) });

    expect(await ask(byBearer, "hi")).toBe("ann@example.com: hi (owned)");
    expect(await ask(byCookie, "yo")).toBe("bo@example.com: yo (owned)");
    expect(await ask(anonymous, "hey")).toBe("anonymous: hey");
    expect(await ask(forged, "hey")).toBe("anonymous: hey");
    expect(await ask(spoofed, "hey")).toBe("anonymous: hey");
    // The lines are each user's own.
    const anns = await json(await api(`${base}/lines`, { headers: { authorization: `Bearer ${ann.token}` } }));
    expect(anns.items.map((l: { text: string }) => l.text)).toEqual(["hi"]);

    // Logging out revokes the token at once: the member stays connected, signed out.
    expect(
      (await api(`${base}/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${ann.token}` } })).status,
    ).toBe(204);
    expect(await ask(byBearer, "still there?")).toBe("anonymous: still there?");
    // Deleting bo's account ends bo's sessions too.
    expect(
      (
        await api(`${base}/auth/me`, {
          method: "DELETE",
          json: { password: "channel password" },
          headers: { authorization: `Bearer ${bo.token}` },
        })
      ).status,
    ).toBe(204);
    expect(await ask(byCookie, "gone?")).toBe("anonymous: gone?");
    for (const m of [byBearer, byCookie, anonymous, forged, spoofed]) m.ws.close();
  });
});
