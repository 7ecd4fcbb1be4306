// Proves schedules and channels of AppSpec v2 through the gateway in workerd: spec validation, channel relay,
// onMessage replies and errors, broadcasts from HTTP actions, 426/404, 1009 for a big frame, 1012 on redeploy,
// schedules run now (every partition, or one key), by the host's alarm, kept across a redeploy with the new
// version's schedules, perKey rooms kept apart, and a throwing schedule recorded
// as an error of that schedule and re-armed a whole period later (never a hot loop).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, joinChannel, json, startRun, uniqueName, waitForRun } from "../support/api";
import { closeCode, got, type Member, member, until } from "../support/websocket";

function chatSpec(name: string, description = "chat"): AppSpecInput {
  return {
    name,
    description,
    partition: "single",
    performance: { p95Ms: 10_000 },
    entities: [],
    actions: [
      {
        name: "say",
        method: "POST",
        path: "/say",
        code: `export default async (req, ctx) => {
  if (ctx.message === "fail") ctx.error(400, "bad_message", "not that one");
  ctx.broadcast("lobby", { from: "chat", text: ctx.message });
  return "got " + ctx.message;
};`,
      },
      {
        name: "announce",
        method: "POST",
        path: "/announce",
        code: `export default async (req, ctx) => { const text = String((await ctx.body())?.text ?? ""); ctx.broadcast("lobby", text); return { sent: true }; };`,
        examples: [{ method: "POST", path: "/announce", body: { text: "x" }, status: 200 }],
      },
    ],
    channels: [{ name: "lobby" }, { name: "chat", onMessage: "say" }],
  };
}

function sweepSpec(name: string, partition: "single" | "perKey"): AppSpecInput {
  return {
    name,
    partition,
    // A loaded test machine must not fail the run on the testing stage's latency budget.
    performance: { p95Ms: 10_000 },
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    counters: [{ name: "sweeps" }],
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: `export default async (req, ctx) => {
  const n = await ctx.counters.sweeps.increment();
  return { n, schedule: ctx.schedule, key: ctx.key, body: await ctx.body() };
};`,
        examples: [{ method: "POST", path: "/sweep", body: {}, status: 200 }],
      },
      {
        name: "boom",
        method: "POST",
        path: "/boom",
        code: `export default async () => { throw new Error("sweeper broke"); };`,
        examples: [{ method: "POST", path: "/boom", status: 500 }],
      },
    ],
    schedules: [
      { name: "cleanup", everySeconds: 60, action: "sweep" },
      { name: "broken", everySeconds: 120, action: "boom" },
    ],
  };
}

async function deploy(spec: AppSpecInput): Promise<void> {
  const run = await waitForRun((await startRun({ request: "r", spec })).id);
  expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
}

const join = (path: string) => joinChannel(path);

/** Deploys the single-partition sweep app and writes one note, so its host exists and arms its schedules. */
async function deploySweep(name: string) {
  await deploy(sweepSpec(name, "single"));
  expect((await api(`/apps/${name}/notes`, { method: "POST", json: { text: "x" } })).status).toBe(201);
  return appHostOf(env, name);
}

/** Once the host's alarm is armed, makes `schedule` due and runs the alarm as workerd would. */
async function fireWhenArmed(host: ReturnType<typeof appHostOf>, schedule: string) {
  await until(
    () => runInDurableObject(host, (_, state) => state.storage.getAlarm()),
    (at) => at !== null,
    "the schedules' alarm",
  );
  await runInDurableObject(host, (_, state) => {
    state.storage.sql.exec("UPDATE schedules SET next_at = 0 WHERE name = ?", schedule);
  });
  expect(await runDurableObjectAlarm(host)).toBe(true);
}

describe("spec validation", () => {
  it("refuses a schedule under 60 s, one naming a missing action, and an onMessage naming a missing action", async () => {
    const bad = {
      ...chatSpec("bad-spec"),
      schedules: [
        { name: "fast", everySeconds: 59, action: "say" },
        { name: "ghost", everySeconds: 60, action: "nothing" },
      ],
      channels: [{ name: "room", onMessage: "missing" }],
    };
    const parsed = AppSpec.safeParse(bad);
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining(["schedules.0.everySeconds", "schedules.1.action", "channels.0.onMessage"]),
    );
    const res = await api("/v1/runs", { method: "POST", json: { request: "r", spec: bad } });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("validation_failed");
    expect(JSON.stringify(body.error.details)).toContain("everySeconds");
  });

  it("reserves the plural channels", () => {
    const spec = { name: "res-chan", entities: [{ name: "c", plural: "channels", fields: {} }] };
    expect(AppSpec.safeParse(spec).success).toBe(false);
  });
});

describe("channels", () => {
  it("relay a frame to every other member, answer 426 without the upgrade and 404 for an unknown channel", async () => {
    const name = uniqueName("chan");
    await deploy(chatSpec(name));
    const plain = await api(`/apps/${name}/channels/lobby`);
    expect(plain.status).toBe(426);
    expect((await json(plain)).error.code).toBe("upgrade_required");
    const unknown = await api(`/apps/${name}/channels/nope`, { headers: { upgrade: "websocket" } });
    expect(unknown.status).toBe(404);
    expect((await api(`/apps/${name}/channels/nope`)).status).toBe(404);

    const a = await join(`/apps/${name}/channels/lobby`);
    const b = await join(`/apps/${name}/channels/lobby`);
    a.ws.send("hello from a");
    expect((await got(b, 1, "b gets a's frame"))[0]).toBe("hello from a");
    b.ws.send("hello from b");
    // a's first frame is b's: its own was not sent back to it.
    expect((await got(a, 1, "a gets b's frame"))[0]).toBe("hello from b");
    // The app's monitor counts members and messages (hosts report about once a second).
    const lobby = await until(
      async () =>
        (await json(await api(`/v1/apps/${name}/realtime`))).channels.find((c: { name: string }) => c.name === "lobby"),
      (c) => c?.messages === 2,
      "the channel counts",
    );
    expect(lobby).toEqual({ name: "lobby", onMessage: null, members: 2, connections: 2, messages: 2 });
  });

  it("hand a frame to onMessage: the reply and errors go to the sender alone, broadcasts to the room", async () => {
    const name = uniqueName("chat");
    await deploy(chatSpec(name));
    const sender = await join(`/apps/${name}/channels/chat`);
    const other = await join(`/apps/${name}/channels/chat`);
    const lobby = await join(`/apps/${name}/channels/lobby`);
    sender.ws.send("hi");
    expect((await got(sender, 1, "the reply"))[0]).toBe("got hi");
    expect(JSON.parse((await got(lobby, 1, "the broadcast"))[0]!)).toEqual({ from: "chat", text: "hi" });
    sender.ws.send("fail");
    expect(JSON.parse((await got(sender, 2, "the error"))[1]!)).toEqual({
      error: { code: "bad_message", message: "not that one", details: [] },
    });
    // Still connected after the error.
    sender.ws.send("again");
    expect((await got(sender, 3, "a reply after the error"))[2]).toBe("got again");
    expect(other.inbox).toEqual([]);
  });

  it("deliver ctx.broadcast from an HTTP action to every member of the room", async () => {
    const name = uniqueName("bcast");
    await deploy(chatSpec(name));
    const a = await join(`/apps/${name}/channels/lobby`);
    const b = await join(`/apps/${name}/channels/lobby`);
    const res = await api(`/apps/${name}/announce`, { method: "POST", json: { text: "news" } });
    expect(res.status).toBe(200);
    expect(res.headers.has("x-aidevos-broadcasts")).toBe(false);
    expect(await json(res)).toEqual({ sent: true });
    expect(await got(a, 1, "a gets the news")).toEqual(["news"]);
    expect(await got(b, 1, "b gets the news")).toEqual(["news"]);
  });

  it("close a member that sends over 64 KiB with 1009 and the others stay", async () => {
    const name = uniqueName("big");
    await deploy(chatSpec(name));
    const big = await join(`/apps/${name}/channels/lobby`);
    const other = await join(`/apps/${name}/channels/lobby`);
    big.ws.send("x".repeat(64 * 1024 + 1));
    expect(await closeCode(big, "the close")).toBe(1009);
    const third = await join(`/apps/${name}/channels/lobby`);
    third.ws.send("still here");
    expect(await got(other, 1, "other still gets frames")).toEqual(["still here"]);
  });

  it("close members with 1012 when a new version goes live; new members reach the new version", async () => {
    const name = uniqueName("redeploy");
    await deploy(chatSpec(name));
    const old = await join(`/apps/${name}/channels/chat`);
    await deploy({
      ...chatSpec(name, "chat v2"),
      actions: chatSpec(name).actions!.map((a) =>
        a.name === "say" ? { ...a, code: `export default async (req, ctx) => "v2 " + ctx.message;` } : a,
      ),
    });
    expect(await closeCode(old, "the 1012 close")).toBe(1012);
    const fresh = await join(`/apps/${name}/channels/chat`);
    fresh.ws.send("hi");
    expect(await got(fresh, 1, "the v2 reply")).toEqual(["v2 hi"]);
  });
});

describe("channels of a perKey app", () => {
  it("keep rooms apart per key and close the members of a key that never had an HTTP request with 1012", async () => {
    const name = uniqueName("keyed");
    await deploy({ ...chatSpec(name), partition: "perKey" });
    const a1 = await join(`/apps/${name}/k/a/channels/lobby`);
    const a2 = await join(`/apps/${name}/k/a/channels/lobby`);
    const b1 = await join(`/apps/${name}/k/b/channels/lobby`);
    a1.ws.send("for a");
    b1.ws.send("for b");
    expect(await got(a2, 1, "a's room")).toEqual(["for a"]);
    expect((await api(`/apps/${name}/channels/lobby`, { headers: { upgrade: "websocket" } })).status).toBe(404);
    await deploy({ ...chatSpec(name, "v2"), partition: "perKey" });
    for (const m of [a1, a2, b1]) expect(await closeCode(m, "the close")).toBe(1012);
    expect(a2.inbox).toEqual(["for a"]);
  });
});

describe("schedules", () => {
  it("run now in every partition that holds data, or in one key; 404 for an unknown schedule or app", async () => {
    const name = uniqueName("sched");
    await deploy(sweepSpec(name, "perKey"));
    for (const key of ["a", "b"])
      expect((await api(`/apps/${name}/k/${key}/notes`, { method: "POST", json: { text: "x" } })).status).toBe(201);
    const all = await api(`/v1/apps/${name}/schedules/cleanup/run`, { method: "POST" });
    expect(all.status).toBe(200);
    expect(await json(all)).toEqual({ partitions: 2 });
    const one = await api(`/v1/apps/${name}/schedules/cleanup/run?key=a`, { method: "POST" });
    expect(await json(one)).toEqual({ partitions: 1 });
    const a = await json(await api(`/apps/${name}/k/a/counters/sweeps`));
    const b = await json(await api(`/apps/${name}/k/b/counters/sweeps`));
    expect([a.value, b.value]).toEqual([2, 1]);
    // Each key's host owns the alarm of its own partition.
    for (const key of ["a", "b"])
      await until(
        () => runInDurableObject(appHostOf(env, name, key), (_, state) => state.storage.getAlarm()),
        (at) => at !== null,
        `the alarm of key ${key}`,
      );
    expect((await api(`/v1/apps/${name}/schedules/nope/run`, { method: "POST" })).status).toBe(404);
    expect((await api(`/v1/apps/never-${name}/schedules/cleanup/run`, { method: "POST" })).status).toBe(404);
  });

  it("run by the host's alarm with ctx.schedule and an empty JSON body, then wait a period", async () => {
    const name = uniqueName("alarm");
    const host = await deploySweep(name);
    await fireWhenArmed(host, "cleanup");
    const counter = await json(await api(`/apps/${name}/counters/sweeps`));
    expect(counter.value).toBe(1);
    const next = await runInDurableObject(host, (_, state) =>
      state.storage.sql.exec<{ name: string; next_at: number }>("SELECT name, next_at FROM schedules").toArray(),
    );
    const cleanup = next.find((r) => r.name === "cleanup")!;
    expect(cleanup.next_at).toBeGreaterThan(Date.now() + 30_000);
    const realtime = await json(await api(`/v1/apps/${name}/realtime`));
    expect(realtime.schedules.find((s: { name: string }) => s.name === "cleanup")).toMatchObject({
      runs: 1,
      errors: 0,
      lastError: null,
    });
  });

  it("keep the alarm across a redeploy, with the new version's schedules in place of the old", async () => {
    const name = uniqueName("resched");
    const host = await deploySweep(name);
    const schedules = () =>
      runInDurableObject(host, (_, state) =>
        state.storage.sql
          .exec<{ name: string; every_ms: number }>("SELECT name, every_ms FROM schedules ORDER BY name")
          .toArray()
          .map((r) => `${r.name}/${r.every_ms / 1000}`),
      );
    await until(schedules, (s) => s.length === 2, "the first version's schedules");
    const next = sweepSpec(name, "single");
    await deploy({ ...next, schedules: [{ name: "cleanup", everySeconds: 600, action: "sweep" }] });
    expect(await until(schedules, (s) => s.length === 1, "the new version's schedules")).toEqual(["cleanup/600"]);
    expect(await runInDurableObject(host, (_, state) => state.storage.getAlarm())).not.toBeNull();
  });

  it("record a throwing schedule as an error of that schedule and retry it only a period later", async () => {
    const name = uniqueName("boom");
    const host = await deploySweep(name);
    await fireWhenArmed(host, "broken");
    const alarm = await runInDurableObject(host, (_, state) => state.storage.getAlarm());
    // The next alarm is the earliest period away (cleanup, 60 s from its arming): never at once.
    expect(alarm).toBeGreaterThan(Date.now() + 20_000);
    const broken = await runInDurableObject(
      host,
      (_, state) =>
        state.storage.sql.exec<{ next_at: number }>("SELECT next_at FROM schedules WHERE name = 'broken'").one()
          .next_at,
    );
    expect(broken).toBeGreaterThan(Date.now() + 100_000);
    const groups = await until(
      async () => (await json(await api(`/v1/apps/${name}/errors`))).items,
      (items: unknown[]) => items.length > 0,
      "the error group",
    );
    expect(groups[0]).toMatchObject({ frame: "schedule broken", message: expect.stringContaining("schedule broken") });
    const realtime = await json(await api(`/v1/apps/${name}/realtime`));
    expect(realtime.schedules.find((s: { name: string }) => s.name === "broken")).toMatchObject({
      runs: 1,
      errors: 1,
    });
  });
});
