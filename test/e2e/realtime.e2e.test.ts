// Proves schedules and channels against `wrangler dev` with a real WebSocket client (Node's): relay, onMessage
// replies, broadcast from an HTTP action, 426 and 404, 1009 for a frame over 64 KiB, 1012 on redeploy with new
// members on the new version, a schedule run now, and a throwing schedule recorded under its name.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCode, connect, got, until } from "../support/websocket";
import { type DevServer, devCall, devDeploy, startWranglerDev } from "./wrangler-dev";

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
}, 120_000);
afterAll(async () => {
  await dev?.stop();
});

/** Status and body only: the tests compare whole answers. */
async function call(path: string, init?: RequestInit & { json?: unknown }) {
  const { status, body } = await devCall(dev, path, init);
  return { status, body };
}
const deploy = (spec: unknown) => devDeploy(dev, spec);

const join = (path: string, protocols?: string[]) => connect(`${dev.base.replace(/^http/, "ws")}${path}`, protocols);

function spec(name: string, reply = "got") {
  return {
    name,
    partition: "single",
    performance: { p95Ms: 10_000 },
    entities: [],
    counters: [{ name: "runs" }],
    actions: [
      {
        name: "say",
        method: "POST",
        path: "/say",
        code: `export default async (req, ctx) => { if (ctx.message === "fail") ctx.error(400, "bad_message", "no"); return "${reply} " + ctx.message; };`,
      },
      {
        name: "announce",
        method: "POST",
        path: "/announce",
        code: `export default async (req, ctx) => { ctx.broadcast("lobby", { text: String((await ctx.body())?.text) }); return { sent: true }; };`,
      },
      {
        name: "tick",
        method: "POST",
        path: "/tick",
        code: `export default async (req, ctx) => ({ runs: await ctx.counters.runs.increment(), schedule: ctx.schedule });`,
      },
      {
        name: "boom",
        method: "POST",
        path: "/boom",
        code: `export default async () => { throw new Error("cleanup broke"); };`,
        examples: [{ method: "POST", path: "/boom", status: 500 }],
      },
    ],
    schedules: [
      { name: "ticker", everySeconds: 60, action: "tick" },
      { name: "broken", everySeconds: 300, action: "boom" },
    ],
    channels: [{ name: "lobby" }, { name: "chat", onMessage: "say" }],
  };
}

describe("channels under wrangler dev", () => {
  const name = `rt-${Date.now().toString(36)}`;

  it("relay, reply, broadcast, refuse without the upgrade or for an unknown channel", async () => {
    expect(typeof WebSocket).toBe("function");
    await deploy(spec(name));
    expect((await call(`/apps/${name}/channels/lobby`)).status).toBe(426);
    expect((await call(`/apps/${name}/channels/nope`)).status).toBe(404);
    await expect(join(`/apps/${name}/channels/nope`)).rejects.toThrow();

    const a = await join(`/apps/${name}/channels/lobby`);
    const b = await join(`/apps/${name}/channels/lobby`);
    a.ws.send("hello");
    expect(await got(b, 1, "the relay")).toEqual(["hello"]);

    // A browser-style client offering a subprotocol gets it back and stays connected.
    const chat = await join(`/apps/${name}/channels/chat`, ["key.example"]);
    expect(chat.ws.protocol).toBe("key.example");
    chat.ws.send("hi");
    expect(await got(chat, 1, "the reply")).toEqual(["got hi"]);
    chat.ws.send("fail");
    expect(JSON.parse((await got(chat, 2, "the error"))[1]!).error.code).toBe("bad_message");

    expect((await call(`/apps/${name}/announce`, { method: "POST", json: { text: "news" } })).status).toBe(200);
    expect(JSON.parse((await got(a, 1, "the broadcast"))[0]!)).toEqual({ text: "news" });
    expect(JSON.parse((await got(b, 2, "the broadcast"))[1]!)).toEqual({ text: "news" });

    a.ws.send("x".repeat(64 * 1024 + 1));
    expect(await closeCode(a, "the 1009 close")).toBe(1009);
    b.ws.close();
  });

  it("close members with 1012 on a redeploy; new members reach the new version", async () => {
    const old = await join(`/apps/${name}/channels/chat`);
    await deploy(spec(name, "v2"));
    // The 1012 frame arrives at once (the socket is CLOSING when the deploy returns), but workerd ends the TCP
    // connection of a close sent outside a socket event only when the host next goes idle (about 10 s on a quiet
    // machine, more under load), and Node fires `close` only then: a wait, not a timing claim.
    expect(await closeCode(old, "the 1012 close", undefined, 90_000)).toBe(1012);
    const fresh = await join(`/apps/${name}/channels/chat`);
    fresh.ws.send("hi");
    expect(await got(fresh, 1, "the v2 reply")).toEqual(["v2 hi"]);
    fresh.ws.close();
  });

  it("run a schedule now (API and CLI); a throwing one is recorded as an error of that schedule", async () => {
    expect(await call(`/v1/apps/${name}/schedules/ticker/run`, { method: "POST" })).toEqual({
      status: 200,
      body: { partitions: 1 },
    });
    expect((await call(`/apps/${name}/counters/runs`)).body.value).toBe(1);
    // The CLI's `schedules run` is the same call.
    const cli = resolve(__dirname, "../../tools/cli/src/main.ts");
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      "schedules",
      "run",
      name,
      "ticker",
      "--url",
      dev.base,
    ]);
    expect(stdout.trim()).toBe(`${name}: ticker ran in 1 partition`);
    expect((await call(`/apps/${name}/counters/runs`)).body.value).toBe(2);
    expect((await call(`/v1/apps/${name}/schedules/broken/run`, { method: "POST" })).status).toBe(200);
    expect((await call(`/v1/apps/${name}/schedules/nope/run`, { method: "POST" })).status).toBe(404);
    const groups = await until(
      async () => (await call(`/v1/apps/${name}/errors`)).body.items as { frame: string }[],
      (items) => items.some((g) => g.frame === "schedule broken"),
      "the schedule's error group",
    );
    expect(groups.find((g) => g.frame === "schedule broken")).toBeDefined();
    const realtime = await call(`/v1/apps/${name}/realtime`);
    expect(realtime.body.schedules).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "broken", errors: 1, runs: 1 })]),
    );
  });
});
