// Proves, with a (scripted) model writing the spec, that free text naming no app builds a new app (issue 31): when
// the model names the app after one that exists, planning moves the new app to the next free name and says so, and
// the existing app keeps its one version.

import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, COUNT_CODE, fakeModel, notesSpec, planning } from "./support";

/** The one key every run of this project uses (vitest.config.ts): tests here script it one after another. */
const { script } = fakeModel("sk-ant-fake-models");

describe("free text with a model", () => {
  it("never deploys over the existing app the model's spec names: the run builds the next free name", {
    timeout: 150_000,
  }, async () => {
    const name = uniqueName("jotter");
    const wholeRun = [...planning(notesSpec(name)), answer({ code: COUNT_CODE }), answer({ findings: [] })];
    await script(wholeRun);
    const first = await waitForRun((await startRun({ request: "private notes" })).id, 60_000);
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    expect(first.app).toMatchObject({ name, version: 1 });

    // Another user's free text; the model names its app the same.
    await script(wholeRun);
    const second = await waitForRun((await startRun({ request: "notes for my team" })).id, 60_000);
    expect(second.status, JSON.stringify(second.error)).toBe("succeeded");
    expect(second.app).toMatchObject({ name: `${name}-2`, version: 1 });
    const events = await (await api(`/v1/runs/${second.id}/events`)).text();
    expect(events).toContain(`app \\"${name}\\" exists: this run builds a new app, \\"${name}-2\\"`);
    expect((await json(await api(`/v1/apps/${name}`))).versions).toHaveLength(1);
  });
});
