// Proves that changes of one app are applied one at a time by its control object: three racing
// deploys (at the object, and as whole runs through the API) and a racing rollback end with
// distinct versions, Cloudflare, the Registry and the app's host agreeing on what is live, and a
// history that lists each change once, in the order applied.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec } from "@aidevos/core";
import { appControlOf, appHostOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
const control = cfUrl.replace(/\/client\/v4$/, "");

/** A distinct version of the todo app: one more field, so its code differs. */
async function variant(name: string, n: number) {
  const spec = todoSpec(name) as any;
  if (n > 0) spec.entities[0].fields[`extra${n}`] = { type: "string" };
  const parsed = AppSpec.parse(spec);
  return { spec: parsed, bundle: await compileApp(parsed) };
}

interface Change {
  action: string;
  version: number;
  fromVersion: number | null;
  runId: string | null;
}

/**
 * The app's detail, its history checked as one story of two deploys, three racing ones and a rollback:
 * each change starts from what the change before it left live, and the host serves what the Registry
 * says is live, the last change's version.
 */
async function oneStory(name: string) {
  const detail = await json(await api(`/v1/apps/${name}`));
  const history: Change[] = detail.history;
  expect(history.map((h) => h.action).sort()).toEqual(["create", "rollback", "update", "update", "update", "update"]);
  for (let i = 1; i < history.length; i++) expect(history[i]!.fromVersion).toBe(history[i - 1]!.version);
  expect((await appHostOf(env, name).live(name))?.version).toBe(detail.liveVersion);
  expect(detail.liveVersion).toBe(history.at(-1)!.version);
  return { detail, history };
}

/** What each of the app's Cloudflare deployments put live, in order: the app's version numbers, by upload. */
async function deployedVersions(
  name: string,
  detail: { versions: { version: number; cloudflare: { versionId: string } }[] },
) {
  const versionOf = new Map<string, number>(detail.versions.map((v) => [v.cloudflare.versionId, v.version]));
  const calls: any[] = await (await fetch(`${control}/__requests?key=${name}`)).json();
  return calls
    .filter((call) => call.sub === "/deployments")
    .map((call) => call.deployment.versions.map((v: { version_id: string }) => versionOf.get(v.version_id)));
}

describe("one change at a time per app", () => {
  it("serialises racing deploys and a rollback into one consistent story", async () => {
    const name = uniqueName("race");
    await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses: [] }) });
    const app = appControlOf(env, name);
    const first = await app.deploy({ runId: crypto.randomUUID(), ...(await variant(name, 0)) });
    expect(first).toMatchObject({ ok: true, version: 1 });
    const second = await app.deploy({ runId: crypto.randomUUID(), ...(await variant(name, 1)) });
    expect(second).toMatchObject({ ok: true, version: 2 });

    // Canaries: each upload names the version it splits traffic with, which must be the one live before it.
    // Each variant drops the others' field: allowBreaking, as this is about order, not the contract
    // (the deploy lock's breaking-change check: test/deploy/breaking-race.test.ts).
    const runs = await Promise.all(
      [2, 3, 4].map(async (n) => ({
        runId: crypto.randomUUID(),
        canaryPercent: 10,
        allowBreaking: true,
        ...(await variant(name, n)),
      })),
    );
    const [a, b, c, rolledBack] = await Promise.all([
      app.deploy(runs[0]!),
      app.deploy(runs[1]!),
      app.deploy(runs[2]!),
      app.rollback(),
    ]);
    const versions = [a, b, c].map((d) => (d.ok ? d.version : d.message));
    expect(new Set(versions)).toEqual(new Set([3, 4, 5]));
    expect(rolledBack.ok).toBe(true);

    const { detail, history } = await oneStory(name);
    const deployRuns = history.filter((h) => h.action === "update").map((h) => h.runId);
    expect(new Set(deployRuns).size).toBe(deployRuns.length);

    // Cloudflare saw the same changes in the same order, each built on the version live before it:
    // a canary splits traffic with the previous live version, a rollback puts its target on all of it.
    const seen = await deployedVersions(name, detail);
    const told = history
      .slice(1)
      .map((h) => (h.action === "update" && h.version > 2 ? [h.version, h.fromVersion] : [h.version]));
    expect(seen).toEqual(told);
  });

  it("three racing runs of one app and a rollback through the API tell one story", async () => {
    const name = uniqueName("runrace");
    await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses: [] }) });
    const specOf = (n: number) => {
      const spec = todoSpec(name) as any;
      if (n > 0) spec.entities[0].fields[`extra${n}`] = { type: "string" };
      return spec;
    };
    for (const n of [0, 1]) {
      expect((await waitForRun((await startRun({ request: "ship", spec: specOf(n) })).id)).status).toBe("succeeded");
    }
    // Each racing spec drops the others' fields: allowed, as the race (not the contract) is under test.
    const started = await Promise.all(
      [2, 3, 4].map(async (n) => startRun({ request: "ship", spec: specOf(n), options: { allowBreaking: true } })),
    );
    // The rollback goes in once a run is deploying, so it races the deploys rather than preceding them.
    for (;;) {
      const runs = await Promise.all(started.map(async (r) => json(await api(`/v1/runs/${r.id}`))));
      if (runs.some((r) => ["deploy", "monitoring", "learning"].includes(r.stage) || r.status !== "running")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const rollback = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(rollback.status).toBe(200);
    const finished = await Promise.all(started.map((r) => waitForRun(r.id, 60_000)));
    expect(finished.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(new Set(finished.map((r) => r.app?.version))).toEqual(new Set([3, 4, 5]));

    const { detail, history } = await oneStory(name);
    expect(history.filter((h) => h.action === "update").map((h) => h.runId)).toEqual(
      expect.arrayContaining(finished.map((r) => r.id)),
    );
    const activated = (await deployedVersions(name, detail)).map((versions) => versions[0]);
    expect(activated).toEqual(history.slice(1).map((h) => h.version));
  }, 120_000);
});
