// Proves the order of a Cloudflare deploy (issue 27): the Registry records a version before it goes live on
// Cloudflare, and a Registry write that fails leaves Cloudflare serving what the Registry names. The Registry is
// the `faults` project's test subclass (test/worker/index.ts), whose version records of one app a test makes fail;
// the loopback Cloudflare fake says which versions serve each script (/__live).

import { describe, expect, it } from "vitest";
import { api, json, todoSpec, uniqueName } from "../support/api";
import { calls, changed, deploy, failRecords, script, servedOnCloudflare } from "./record-faults";

describe("a failed Registry record leaves Cloudflare serving what the Registry names", () => {
  it("a first version whose record fails: its new Worker is deleted, and the next deploy creates it again", async () => {
    const name = uniqueName("firstfail");
    await script(name, []);
    await failRecords(name, 10);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("failed");
    expect((await api(`/v1/apps/${name}`)).status).toBe(404);
    // Uploaded (live at once, a script upload), then deleted once the record failed: nothing serves.
    const sent = (await calls(name)).map((c) => `${c.method} ${c.sub ?? ""} ${c.status}`);
    expect(sent).toContain("PUT  200");
    expect(sent).toContain("DELETE  200");
    expect(await servedOnCloudflare(name)).toBeNull();

    await failRecords(name, 0);
    const again = await deploy(todoSpec(name));
    expect(again.status).toBe("succeeded");
    const app = await json(await api(`/v1/apps/${name}`));
    expect(await servedOnCloudflare(name)).toEqual([
      { version_id: app.versions[0].cloudflare.versionId, percentage: 100 },
    ]);
    // The new Worker got the platform token again (the deleted one took it along).
    const secrets = (await calls(name)).filter((c) => c.sub === "/secrets" && c.status === 200);
    expect(secrets.length).toBeGreaterThanOrEqual(2);
  });

  it("a later version whose record fails never goes live: Cloudflare keeps serving the previous version", async () => {
    const name = uniqueName("laterfail");
    await script(name, []);
    expect((await deploy(todoSpec(name))).status).toBe("succeeded");
    const v1 = (await json(await api(`/v1/apps/${name}`))).versions[0].cloudflare;
    await script(name, []);
    await failRecords(name, 10);
    const run = await deploy(changed(name, "note"));
    expect(run.status).toBe("failed");
    const sent = await calls(name);
    // Uploaded as a version (once, kept for the retries), never rolled out.
    expect(sent.filter((c) => c.method === "POST" && c.sub === "/versions")).toHaveLength(1);
    expect(sent.filter((c) => c.sub === "/deployments")).toHaveLength(0);
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: v1.versionId, percentage: 100 }]);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    expect(app.versions).toHaveLength(1);
  });

  it("a recorded version Cloudflare refuses to roll out is taken back from the Registry", async () => {
    const name = uniqueName("rolloutfail");
    await script(name, []);
    expect((await deploy(todoSpec(name))).status).toBe("succeeded");
    const v1 = (await json(await api(`/v1/apps/${name}`))).versions[0].cloudflare;
    const refusal = { status: 400, errors: [{ code: 10021, message: "deployment refused" }] };
    // The version upload goes through; every later call (the tail consumer patch, the rollout) is refused.
    await script(name, [{}, ...Array.from({ length: 12 }, () => refusal)]);
    const run = await deploy(changed(name, "note"));
    expect(run.status).toBe("failed");
    expect(run.error?.message).toContain("deployment refused");
    const sent = await calls(name);
    expect(sent.filter((c) => c.sub === "/deployments").length).toBeGreaterThanOrEqual(1);
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: v1.versionId, percentage: 100 }]);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    expect(app.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(app.history).toHaveLength(1);
  });
});
