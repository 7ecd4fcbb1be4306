// Proves deployed actions through the gateway: an action's uncaught error is a 500 without stack whose error group names the action, and ctx.key is the partition the host served (a client's header cannot claim one).
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

function spec(name: string, partition: "single" | "perKey"): AppSpecInput {
  return {
    name,
    partition,
    entities: [],
    actions: [
      {
        name: "whoami",
        method: "GET",
        path: "/whoami",
        code: "export default async (req, ctx) => ({ key: ctx.key });",
      },
      {
        name: "explode",
        method: "POST",
        path: "/explode",
        code: 'export default async () => { throw new Error("secret detail " + new Error().stack); };',
        // Declared, or the testing stage would refuse an action that answers 500.
        examples: [{ method: "POST", path: "/explode", status: 500 }],
      },
    ],
  };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("deployed actions", () => {
  it("report an uncaught error as 500 internal_error and group it under the action's name", async () => {
    const name = uniqueName("act-err");
    expect((await waitForRun((await startRun({ request: "r", spec: spec(name, "single") })).id)).status).toBe(
      "succeeded",
    );
    const res = await api(`/apps/${name}/explode`, { method: "POST" });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: "internal_error", message: "action explode failed", details: [] },
    });
    expect(text).not.toContain("secret detail");
    const groups = await until(
      async () => (await json(await api(`/v1/apps/${name}/errors`))).items,
      (items: unknown[]) => items.length > 0,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ frame: "POST /explode", message: expect.stringContaining("action explode") });
  });

  it("give ctx.key from the host: the key of a perKey partition, null in a single app whatever the client says", async () => {
    const single = uniqueName("act-single");
    const keyed = uniqueName("act-keyed");
    for (const [name, partition] of [
      [single, "single"],
      [keyed, "perKey"],
    ] as const) {
      expect((await waitForRun((await startRun({ request: "r", spec: spec(name, partition) })).id)).status).toBe(
        "succeeded",
      );
    }
    const claim = { headers: { "x-aidevos-partition-key": "someone-else" } };
    expect(await json(await api(`/apps/${single}/whoami`, claim))).toEqual({ key: null });
    expect(await json(await api(`/apps/${keyed}/k/team-a/whoami`, claim))).toEqual({ key: "team-a" });
  });
});
