// Proves the monitor's quotas of issue 27 (attack 8: 300 requests → 300 error groups, each an immediate webhook
// POST; usage_keys grown to 3,400 rows by junk header values): with AIDEVOS_MAX_ERROR_GROUPS, AIDEVOS_MAX_FEED_ROWS
// and AIDEVOS_MAX_USAGE_KEYS_PER_DAY set low, 300 distinct errors from 300 junk keys leave that many groups (the
// most recent), feed rows and keys; and the webhook gets nothing until the digest window closes, then ONE
// `error_digest` listing at most 50 groups and counting the rest.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RequestEvent } from "@aidevos/core";
import { appMonitorOf } from "@aidevos/objects";
import { afterEach, describe, expect, it } from "vitest";
import { uniqueName } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const CHANGED = ["AIDEVOS_MAX_ERROR_GROUPS", "AIDEVOS_MAX_FEED_ROWS", "AIDEVOS_MAX_USAGE_KEYS_PER_DAY"] as const;
const saved = Object.fromEntries(CHANGED.map((n) => [n, settings[n]]));
afterEach(() => {
  for (const n of CHANGED) settings[n] = saved[n];
});
const received = settings.AIDEVOS_ALERT_WEBHOOK_URL!.replace(/\/hook$/, "/received");

describe("an app monitor's quotas", () => {
  it("keep error groups, feed rows and usage keys under their settings and send new groups as one digest", async () => {
    const app = uniqueName("flood");
    settings.AIDEVOS_MAX_ERROR_GROUPS = "20";
    settings.AIDEVOS_MAX_FEED_ROWS = "30";
    settings.AIDEVOS_MAX_USAGE_KEYS_PER_DAY = "50";
    const monitor = appMonitorOf(env, app);
    const FLOOD = 300;
    const now = Date.now();
    for (let i = 0; i < FLOOD; i += 50) {
      const events: RequestEvent[] = Array.from({ length: 50 }, (_, j) => ({
        at: now + i + j,
        version: 1,
        method: "POST",
        route: "POST /things",
        status: 500,
        ms: 3,
        key: `junk-${i + j}`,
        error: { message: `boom ${i + j}`, frame: "POST /things" },
      }));
      await monitor.record(app, events);
    }
    const counts = await runInDurableObject(monitor, (_, state) => {
      const n = (table: string) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
      return { groups: n("error_groups"), feed: n("feed"), keys: n("usage_keys") };
    });
    expect(counts).toEqual({ groups: 20, feed: 30, keys: 50 });
    const groups = await runInDurableObject(monitor, (_, state) =>
      state.storage.sql
        .exec<{ message: string }>("SELECT message FROM error_groups")
        .toArray()
        .map((g) => g.message),
    );
    expect(groups).toContain(`boom ${FLOOD - 1}`);
    expect(groups).not.toContain("boom 0");
    expect((await monitor.usage(1))[0]?.uniqueKeys).toBe(50);

    const hooks = async () =>
      (
        (await (await fetch(received)).json()) as { app: string; kind: string; groups: unknown[]; more: number }[]
      ).filter((h) => h.app === app);
    expect(await hooks()).toHaveLength(0);
    expect(await runDurableObjectAlarm(monitor)).toBe(true);
    const sent = await hooks();
    expect(sent.map((h) => h.kind)).toEqual(["error_digest"]);
    expect(sent[0]!.groups).toHaveLength(50);
    expect(sent[0]!.more).toBe(FLOOD - 50);
    console.log(
      `${FLOOD} distinct errors: ${counts.groups} groups, ${counts.feed} feed rows, ${counts.keys} keys kept; 1 webhook POST`,
    );
  });
});
