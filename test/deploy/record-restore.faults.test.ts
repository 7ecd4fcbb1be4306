// Proves the restore path of a failed Registry record (issue 27): when the version Cloudflare took at once (a
// script upload: every upload into a dispatch namespace, or a renamed Durable Object class) is not recorded, the
// live version's code is uploaded again, and the Registry then names what Cloudflare serves: its version id and
// its migration tag. The next deploy builds on them (the right old_tag) and succeeds. Apps named `nsapp-…` ship
// into a dispatch namespace (the faults project's AppControlDO, test/worker/index.ts); the Registry is the test
// subclass whose version records of one app a test makes fail; the loopback Cloudflare fake refuses a migration
// whose old_tag is not the script's tag and a class no migration declared, and says what serves (/__live).

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { CodeBundle } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, todoSpec, uniqueName } from "../support/api";
import { NAMESPACED_APP } from "../worker/index";
import { type Call, calls, changed, deploy, failRecords, registry, script, servedOnCloudflare } from "./record-faults";

async function liveOnRegistry(name: string) {
  const app = await json(await api(`/v1/apps/${name}`));
  return app.versions.find((v: { version: number }) => v.version === app.liveVersion).cloudflare;
}
const uploads = (sent: Call[]) => sent.filter((c) => c.method === "PUT" && c.sub === null && c.status === 200);

describe("a failed record whose take-back uploads the live code again leaves the Registry naming what Cloudflare has", () => {
  it("in a dispatch namespace: the Registry holds the restored upload's id, and the next deploy goes live as recorded", async () => {
    const name = uniqueName(NAMESPACED_APP.slice(0, -1));
    await script(name, []);
    expect((await deploy(todoSpec(name))).status).toBe("succeeded");
    expect((await calls(name))[0]?.namespace).toBe("test-apps");
    await script(name, []);
    await failRecords(name, 10);
    const run = await deploy(changed(name, "note"));
    expect(run.status).toBe("failed");
    // The new code went live at once (a script upload), then v1's code was uploaded again.
    expect(uploads(await calls(name)).length).toBeGreaterThanOrEqual(2);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    const live = await liveOnRegistry(name);
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: live.versionId, percentage: 100 }]);

    await failRecords(name, 0);
    await script(name, []);
    expect((await deploy(changed(name, "note"))).status).toBe("succeeded");
    const v2 = await liveOnRegistry(name);
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: v2.versionId, percentage: 100 }]);
  });

  it("a renamed class: the rename is migrated back, the Registry holds the new tag, and renaming again takes old_tag from it", async () => {
    const name = uniqueName("rnrestore");
    await script(name, []);
    expect((await deploy(todoSpec(name))).status).toBe("succeeded");
    const v1 = await liveOnRegistry(name);
    expect(v1).toMatchObject({ className: "App", migrationTag: "v1" });
    const reg = registry();
    const [bundle, specs] = await Promise.all([reg.getBundle(name, 1), reg.specs(name)]);
    if (!bundle || !specs) throw new Error("v1 has no bundle");
    // The same app under a new Durable Object class name: a script upload that renames App to AppNext.
    const renamed: CodeBundle = {
      ...bundle,
      className: "AppNext",
      files: bundle.files.map((f) =>
        f.path === bundle.mainModule
          ? { ...f, content: `${f.content}\nexport { App as AppNext } from "./app.js";\n` }
          : f,
      ),
      hash: `${bundle.hash.slice(0, -4)}0000`,
    };
    const control = env.APP_CONTROL.get(env.APP_CONTROL.idFromName(name));
    await failRecords(name, 1);
    // In the object itself, not over RPC: the Registry's planned error is thrown through deploy().
    const refused = runInDurableObject(control, (o) =>
      o.deploy({ runId: `rename-a-${name}`, spec: specs.spec, bundle: renamed }),
    );
    await expect(refused).rejects.toThrow(/could not record/);
    const back = uploads(await calls(name)).map((c) => c.metadata?.migrations);
    expect(back.slice(-2)).toEqual([
      { old_tag: "v1", new_tag: "v2", renamed_classes: [{ from: "App", to: "AppNext" }] },
      { old_tag: "v2", new_tag: "v3", renamed_classes: [{ from: "AppNext", to: "App" }] },
    ]);
    // The Registry names what Cloudflare serves now: the restored upload, under the tag the rename back set.
    const restored = await liveOnRegistry(name);
    expect(restored).toMatchObject({ className: "App", migrationTag: "v3" });
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: restored.versionId, percentage: 100 }]);

    const again = await control.deploy({ runId: `rename-b-${name}`, spec: specs.spec, bundle: renamed });
    expect(again).toMatchObject({ ok: true, version: 2 });
    expect(uploads(await calls(name)).at(-1)?.metadata?.migrations).toEqual({
      old_tag: "v3",
      new_tag: "v4",
      renamed_classes: [{ from: "App", to: "AppNext" }],
    });
    const v2 = await liveOnRegistry(name);
    expect(v2).toMatchObject({ className: "AppNext", migrationTag: "v4" });
    expect(await servedOnCloudflare(name)).toEqual([{ version_id: v2.versionId, percentage: 100 }]);
  });
});
