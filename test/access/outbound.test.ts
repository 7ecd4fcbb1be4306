// Proves ctx.fetch: an action reaches a listening loopback upstream at an origin its spec allows;
// another port, another host name for the same server, and the global fetch are refused with
// outbound_blocked and the upstream sees nothing of them; calls are counted per origin.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../support/api";
import { api, deployed, json, until } from "./support";

const canary = (env as unknown as { TEST_CANARY_URL: string }).TEST_CANARY_URL;
const origin = new URL(canary).origin;
const port = Number(new URL(canary).port);

const CALL = `export default async (req, ctx) => {
  try {
    const res = await ctx.fetch(ctx.query.get("to"));
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { code: err.code ?? null, message: String(err.message) };
  }
};`;

// A plain fetch() call is refused by the review's policy scan before it runs; this one slips past
// the scan, so the sandbox's own block is what stops it.
const GLOBAL = `export default async (req, ctx) => {
  const send = globalThis["fe" + "tch"];
  try {
    const res = await send(ctx.query.get("to"));
    return { status: res.status };
  } catch (err) {
    return { code: err.code ?? null, message: String(err.message) };
  }
};`;

function spec(name: string): AppSpecInput {
  return {
    name,
    outbound: [origin],
    entities: [],
    actions: [
      { name: "call", method: "GET", path: "/call", code: CALL },
      { name: "global", method: "GET", path: "/global", code: GLOBAL },
    ],
  };
}

async function seen(key: string): Promise<string[]> {
  return json(await fetch(`${canary}/__seen?key=${key}`));
}

async function call(app: string, action: string, to: string) {
  return json(await api(`/apps/${app}/${action}?to=${encodeURIComponent(to)}`));
}

describe("outbound calls", () => {
  it("reach the spec's origins only; anything else is outbound_blocked and never arrives", async () => {
    const app = uniqueName("out");
    await deployed(spec(app));
    const tag = `ok-${app}`;
    expect(await call(app, "call", `${origin}/${tag}/x`)).toEqual({ status: 200, text: "canary reached" });
    expect(await seen(tag)).toEqual([`GET /${tag}/x`]);

    const blockedTag = `no-${app}`;
    const elsewhere = [
      `http://127.0.0.1:${port + 1}/${blockedTag}/port`,
      `http://localhost:${port}/${blockedTag}/host`,
      `https://127.0.0.1:${port}/${blockedTag}/scheme`,
    ];
    for (const to of elsewhere) {
      const answer = await call(app, "call", to);
      expect(answer.code, to).toBe("outbound_blocked");
      expect(answer.message.startsWith("outbound_blocked"), answer.message).toBe(true);
    }
    const global = await call(app, "global", `${origin}/${blockedTag}/global`);
    expect(global.code).toBe("outbound_blocked");
    expect(await seen(blockedTag)).toEqual([]);

    const counted = await until(
      async () => (await json(await api(`/v1/apps/${app}/outbound`))).items,
      (items: { count: number }[]) => items.length > 0,
    );
    expect(counted).toEqual([{ origin, count: 1, errors: 0, p95Ms: expect.any(Number) }]);
  });

  it("is uploaded to Cloudflare with the guard allowing exactly the spec's origins", async () => {
    const app = uniqueName("out-cf");
    const control = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL.replace(
      /\/client\/v4$/,
      "",
    );
    await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: app, responses: [] }) });
    await deployed(spec(app));
    const [put] = await json(await fetch(`${control}/__requests?key=${app}`));
    expect(put.metadata.keep_bindings).toEqual(["secret_text"]);
    expect(put.modules["__aidevos_guard.js"].content).toContain(JSON.stringify({ outbound: [origin] }).slice(1, -1));
  });
});
