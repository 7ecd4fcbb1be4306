// Proves the breaking-change check is made under the app's deploy lock against the version live at
// that moment (docs/appspec.md, "What gates a deploy"; refusal 9 of issue 28): three runs started
// together, each adding a different field to v1 (so each drops the others' fields), cannot all
// deploy: exactly one does, the others fail with `breaking_change`.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const notes = (name: string, extra?: string): AppSpecInput => ({
  name,
  entities: [
    {
      name: "note",
      plural: "notes",
      fields: { text: { type: "string", required: true }, ...(extra ? { [extra]: { type: "string" } } : {}) },
    },
  ],
});

describe("racing runs of one app", () => {
  it("deploy one of three whose changes break each other; the others end breaking_change", async () => {
    const name = uniqueName("race");
    const first = await waitForRun((await startRun({ request: "v1", spec: notes(name) })).id, 60_000);
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");

    // Each is compatible with v1 (an optional field added), and breaks each of the others (it drops their field).
    const started = await Promise.all(
      ["alpha", "beta", "gamma"].map((f) => startRun({ request: f, spec: notes(name, f) })),
    );
    const runs = await Promise.all(started.map((r) => waitForRun(r.id, 150_000)));
    const outcomes = runs.map((r) => (r.status === "succeeded" ? "deployed" : r.error?.code)).sort();
    expect(outcomes).toEqual(["breaking_change", "breaking_change", "deployed"]);
    for (const r of runs.filter((x) => x.status === "failed")) expect(r.error?.message).toMatch(/breaking/);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(2);
  }, 240_000);
});
