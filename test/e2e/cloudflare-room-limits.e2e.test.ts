// Proves the channel room quotas hold in the app Worker as it is uploaded to Cloudflare (issue 27, attack 9), where
// the app is its own host and the platform's host (which holds them locally) is not there: served by `wrangler dev`
// with the modules CloudflareDeployer uploads and the limits AppControlDO hands it (2 members, 3 frames a second),
// a third member of a room is closed with 1008 while the two keep talking, and a member sending 12 frames at once is
// closed with 1008 after its third, so the others get at most 3.
import { AppSpec } from "@aidevos/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeCode, got as gotFrames, type Member, connect as open } from "../support/websocket";
import { serveUploadedApp } from "./uploaded-app";
import type { DevServer } from "./wrangler-dev";

const SPEC = AppSpec.parse({
  name: "cf-rooms",
  partition: "perKey",
  entities: [],
  actions: [{ name: "noop", method: "POST", path: "/noop", code: "export default async () => ({ ok: true });" }],
  channels: [{ name: "lobby" }],
});

let dev: DevServer;
let base = "";

beforeAll(async () => {
  dev = await serveUploadedApp(SPEC, {
    readyPath: "/k/probe/channels/lobby",
    roomLimits: { maxMembers: 2, maxFramesPerSecond: 3 },
  });
  base = dev.base;
}, 120_000);

afterAll(async () => {
  await dev?.stop();
});

const tail = () => `\n${dev.output().slice(-2000)}`;
const connect = (path: string) => open(`${base.replace(/^http/, "ws")}${path}`);
const got = (m: Member, n: number, what: string) => gotFrames(m, n, what, tail);

describe("room quotas in the uploaded app Worker", () => {
  it("closes the member past AIDEVOS_MAX_ROOM_MEMBERS with 1008; the room keeps working", async () => {
    const a = await connect("/k/r1/channels/lobby");
    const b = await connect("/k/r1/channels/lobby");
    const third = await connect("/k/r1/channels/lobby");
    expect(await closeCode(third, "the third member's close", tail)).toBe(1008);
    a.ws.send("still here");
    expect(await got(b, 1, "the relay between the two")).toEqual(["still here"]);
    // Another key is another room: its members are counted apart.
    const elsewhere = await connect("/k/r2/channels/lobby");
    expect(elsewhere.closed).toBeNull();
  });

  it("closes a member sending more than AIDEVOS_MAX_FRAMES_PER_SECOND with 1008", async () => {
    const flooder = await connect("/k/r3/channels/lobby");
    const listener = await connect("/k/r3/channels/lobby");
    for (let i = 0; i < 12; i++) flooder.ws.send(`frame ${i}`);
    expect(await closeCode(flooder, "the flooder's close", tail)).toBe(1008);
    await new Promise((r) => setTimeout(r, 500));
    expect(listener.inbox.length).toBeGreaterThan(0);
    expect(listener.inbox.length).toBeLessThanOrEqual(3);
  });
});
