// Proves the channel room quotas of issue 27 (attack 9: 2,000 members joined one room; one member's five 64 KiB
// frames fanned out to 625 MiB): with AIDEVOS_MAX_ROOM_MEMBERS = 3, a fourth member is closed with 1008 and the
// room keeps working for the three; with AIDEVOS_MAX_FRAMES_PER_SECOND = 5, a member sending 20 frames at once is
// closed with 1008 and the others get at most 5 of them.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { afterEach, describe, expect, it } from "vitest";
import { api, joinChannel, startRun, uniqueName, waitForRun } from "../support/api";
import { closeCode, got, type Member, member } from "../support/websocket";

const settings = env as unknown as Record<string, string | undefined>;
const CHANGED = ["AIDEVOS_MAX_ROOM_MEMBERS", "AIDEVOS_MAX_FRAMES_PER_SECOND"] as const;
const saved = Object.fromEntries(CHANGED.map((n) => [n, settings[n]]));
afterEach(() => {
  for (const n of CHANGED) settings[n] = saved[n];
});

function roomSpec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    performance: { p95Ms: 10_000 },
    entities: [],
    actions: [
      {
        name: "announce",
        method: "POST",
        path: "/announce",
        code: `export default async (req, ctx) => { ctx.broadcast("lobby", "x"); return { sent: true }; };`,
        examples: [{ method: "POST", path: "/announce", body: {}, status: 200 }],
      },
    ],
    channels: [{ name: "lobby" }],
  };
}

const join = (path: string) => joinChannel(path);

describe("channel room quotas", () => {
  it("close the member past AIDEVOS_MAX_ROOM_MEMBERS with 1008; the room goes on", async () => {
    const name = uniqueName("room");
    const run = await waitForRun((await startRun({ request: "r", spec: roomSpec(name) })).id, 60_000);
    expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
    settings.AIDEVOS_MAX_ROOM_MEMBERS = "3";
    const members = [await join(`/apps/${name}/channels/lobby`)];
    members.push(await join(`/apps/${name}/channels/lobby`), await join(`/apps/${name}/channels/lobby`));
    const fourth = await join(`/apps/${name}/channels/lobby`);
    expect(await closeCode(fourth, "the fourth member's close")).toBe(1008);
    members[0]!.ws.send("hello");
    expect(await got(members[2]!, 1, "the third member's frame")).toEqual(["hello"]);
    expect(members.map((m) => m.closed)).toEqual([null, null, null]);
    console.log("AIDEVOS_MAX_ROOM_MEMBERS = 3: 3 members held, the 4th closed with 1008");
  }, 120_000);

  it("close a member sending past AIDEVOS_MAX_FRAMES_PER_SECOND with 1008; the others get at most that many", async () => {
    const name = uniqueName("burst");
    const run = await waitForRun((await startRun({ request: "r", spec: roomSpec(name) })).id, 60_000);
    expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
    settings.AIDEVOS_MAX_FRAMES_PER_SECOND = "5";
    const listener = await join(`/apps/${name}/channels/lobby`);
    const flooder = await join(`/apps/${name}/channels/lobby`);
    // 20 frames at once: however they fall across a second's edge, one second gets more than 5.
    for (let i = 0; i < 20; i++) flooder.ws.send(`frame ${i}`);
    expect(await closeCode(flooder, "the flooder's close")).toBe(1008);
    await got(listener, 1, "a relayed frame");
    expect(listener.inbox.length).toBeLessThanOrEqual(10);
    expect(listener.closed).toBeNull();
    console.log(`AIDEVOS_MAX_FRAMES_PER_SECOND = 5: 20 frames sent, ${listener.inbox.length} relayed, then 1008`);
  }, 120_000);
});
