// Channel fan-out (pnpm bench): one frame relayed by the app's host to 100 members of a room, and one
// ctx.broadcast from an HTTP action to the same 100, each against the same relay to a single member.
// Figures are the time from send until the last member has the frame, with their spread (p10–p90).
// Floor: reaching 100 members costs less than FLOOR_RATIO relays to one (measured 15–22× over runs; the one-member
// relay is under a millisecond, so the ratio is noisy and the floor catches regressions of about 2.5× or more).
import { it } from "vitest";
import { benchServer, floor, median, ms } from "./support";

const MEMBERS = 100;
const FLOOR_RATIO = 50;
const ROUNDS = 30;
const { results, rows, base, post, until } = benchServer("channels");

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const spread = (xs: number[]) => `p10 ${ms(percentile(xs, 0.1))} – p90 ${ms(percentile(xs, 0.9))}`;

interface Member {
  ws: WebSocket;
  waiting: Map<string, () => void>;
}

async function join(url: string): Promise<Member> {
  const ws = new WebSocket(url);
  const member: Member = { ws, waiting: new Map() };
  ws.addEventListener("message", (e) => {
    const done = member.waiting.get(String(e.data));
    if (done) {
      member.waiting.delete(String(e.data));
      done();
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not join ${url}`)), { once: true });
  });
  return member;
}

const received = (members: Member[], frame: string) =>
  Promise.all(members.map((m) => new Promise<void>((resolve) => m.waiting.set(frame, resolve))));

/** Milliseconds from `send` until every member has `frame`, per round. */
async function fanOut(members: Member[], send: (frame: string) => Promise<unknown> | void, tag: string) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const frame = `${tag}-${i}`;
    const all = received(members, frame);
    const t0 = performance.now();
    await send(frame);
    await all;
    times.push(performance.now() - t0);
  }
  return times;
}

it("fans one frame out to 100 members of a room", { timeout: 300_000 }, async () => {
  if (typeof WebSocket !== "function") throw new Error("the channel benchmark needs Node 22 (pnpm exec)");
  const name = `bench-room-${Date.now().toString(36)}`;
  const spec = {
    name,
    entities: [],
    performance: { p95Ms: 10_000 },
    actions: [
      {
        name: "announce",
        method: "POST",
        path: "/announce",
        code: 'export default async (req, ctx) => { ctx.broadcast("room", String((await ctx.body())?.text)); };',
      },
    ],
    channels: [{ name: "room" }],
  };
  const run = await until((await post("/v1/runs", { request: name, spec })).body.id);
  if (run.status !== "succeeded") throw new Error(JSON.stringify(run.error));
  const url = `${base().replace(/^http/, "ws")}/apps/${name}/channels/room`;
  const sender = await join(url);
  const one = [await join(url)];
  const single = await fanOut(one, (f) => sender.ws.send(f), "one");
  one[0]!.ws.close();
  const members: Member[] = [];
  for (let i = 0; i < MEMBERS; i++) members.push(await join(url));
  const relay = await fanOut(members, (f) => sender.ws.send(f), "relay");
  const broadcast = await fanOut(members, (f) => post(`/apps/${name}/announce`, { text: f }), "bcast");
  for (const m of [sender, ...members]) m.ws.close();

  results.channels = { members: MEMBERS, rounds: ROUNDS, singleMs: single, relayMs: relay, broadcastMs: broadcast };
  rows.push({
    benchmark: `relay of one frame to ${MEMBERS} members (median of ${ROUNDS})`,
    figure: `${ms(median(relay))} (${spread(relay)})`,
    baseline: `to 1 member ${ms(median(single))} (${spread(single)})`,
    ratio: `${(median(relay) / median(single)).toFixed(1)}×`,
    floor: floor(`≤ ${FLOOR_RATIO}× the relay to 1`, median(relay) / median(single) <= FLOOR_RATIO),
  });
  rows.push({
    benchmark: `ctx.broadcast from an HTTP action to ${MEMBERS} members`,
    figure: `${ms(median(broadcast))} (${spread(broadcast)})`,
    baseline: `relay to 1 member ${ms(median(single))}`,
    ratio: `${(median(broadcast) / median(single)).toFixed(1)}×`,
    floor: floor(`≤ ${FLOOR_RATIO}× the relay to 1`, median(broadcast) / median(single) <= FLOOR_RATIO),
  });
});
