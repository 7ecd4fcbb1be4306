// Proves that a run from free text never harms an existing app (issue 31): free text with no spec and no
// `app` builds a new app named from the request, whatever pattern it matches, and the deploy refuses to
// land such a run on an app that exists (a race the gateway's name check cannot close); offline, free
// text naming an existing app is refused, since nothing can write the change (only a pattern's spec).

import { env } from "cloudflare:workers";
import { SEED_PATTERNS } from "@aidevos/learning";
import { appControlOf, registryOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

const shortener = SEED_PATTERNS.find((p) => p.title === "URL shortener")!;

/** The app's live version and one of its records: what a run that harms it would change. */
async function stateOf(app: string) {
  const detail = await registryOf(env).getApp(app);
  const made = await api(`/apps/${app}/s/mine/stats`);
  return {
    version: detail?.liveVersion,
    versions: detail?.versions.length,
    stats: made.status === 200 ? await json(made) : made.status,
  };
}

describe("free text never deploys over an existing app", () => {
  it("an existing app whose pattern the free text matches is untouched: a new app is built, named from the request", {
    timeout: 90_000,
  }, async () => {
    // Someone's live app, made from the shortener pattern under the pattern's own name, with data.
    const existing = await waitForRun((await startRun({ request: "my links", spec: shortener.spec })).id, 25_000);
    expect(existing.status, JSON.stringify(existing.error)).toBe("succeeded");
    const app = shortener.spec.name;
    expect(
      (await api(`/apps/${app}/shorten`, { method: "POST", json: { slug: "mine", url: "https://mine.example/" } }))
        .status,
    ).toBe(201);
    await api(`/apps/${app}/s/mine`, { redirect: "manual" });
    const before = await stateOf(app);
    expect(before.stats).toMatchObject({ clicks: 1 });

    // A stranger's free text whose words are the pattern's.
    const run = await waitForRun((await startRun({ request: "A URL shortener that counts clicks" })).id, 25_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.app?.name).not.toBe(app);
    expect(run.app?.name).toMatch(/^url-shortener/);
    expect(run.app?.version).toBe(1);
    expect(await stateOf(app)).toEqual(before);
  });

  it("a request whose own name is taken gets the next free name", { timeout: 90_000 }, async () => {
    const first = await waitForRun((await startRun({ request: "A todo list with due dates" })).id, 25_000);
    const second = await waitForRun((await startRun({ request: "A todo list with due dates" })).id, 25_000);
    expect(first.status).toBe("succeeded");
    expect(second.status).toBe("succeeded");
    expect(second.app?.name).not.toBe(first.app?.name);
    expect(second.app?.version).toBe(1);
    expect((await registryOf(env).getApp(first.app!.name))?.versions).toHaveLength(1);
  });

  it("the deploy refuses a new app's run on a name that exists (the name was free when the run began)", {
    timeout: 90_000,
  }, async () => {
    const taken = await waitForRun(
      (await startRun({ request: "my links", spec: { ...shortener.spec, name: "raced-links" } })).id,
      25_000,
    );
    expect(taken.status).toBe("succeeded");
    const detail = (await registryOf(env).getApp("raced-links"))!;
    const bundle = (await registryOf(env).getBundle("raced-links", 1))!;
    const result = await appControlOf(env, "raced-links").deploy({
      runId: crypto.randomUUID(),
      spec: detail.spec,
      bundle,
      newApp: true,
    });
    expect(result).toMatchObject({ ok: false, code: "app_exists" });
    expect((await registryOf(env).getApp("raced-links"))?.versions).toHaveLength(1);
  });

  it("offline, free text naming an existing app is refused: nothing could write the change", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "A URL shortener that counts clicks", app: "raced-links" },
    });
    expect(res.status).toBe(409);
    const { error } = await json(res);
    expect(error.code).toBe("app_exists");
    expect(error.message).toContain("raced-links");
    expect((await registryOf(env).getApp("raced-links"))?.versions).toHaveLength(1);
  });
});
