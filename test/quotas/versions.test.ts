// Proves versions kept per app are bounded (issue 27, attack 8: 13 identical versions from one flood were all
// kept): with AIDEVOS_VERSIONS_KEPT = 2, the Registry drops the oldest versions (their files too) as new ones are
// recorded, but never the live version nor the one a rollback returns to, so a rollback still works after pruning.
import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec } from "@aidevos/core";
import { registryOf } from "@aidevos/objects";
import { afterEach, describe, expect, it } from "vitest";
import { todoSpec, uniqueName } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const saved = settings.AIDEVOS_VERSIONS_KEPT;
afterEach(() => {
  settings.AIDEVOS_VERSIONS_KEPT = saved;
});

describe("versions kept per app", () => {
  it("are pruned past AIDEVOS_VERSIONS_KEPT, keeping the live version and its rollback target", async () => {
    const app = uniqueName("pruned");
    settings.AIDEVOS_VERSIONS_KEPT = "2";
    const spec = AppSpec.parse(todoSpec(app));
    const bundle = await compileApp(spec);
    const registry = registryOf(env);
    const deploy = (n: number) => registry.deploy({ app, spec, bundle, runId: `${app}-run-${n}` });
    const versions = async () => ((await registry.getApp(app))?.versions ?? []).map((v) => v.version);

    for (let n = 1; n <= 4; n++) expect((await deploy(n)).version).toBe(n);
    expect(await versions()).toEqual([3, 4]);
    expect(await registry.getBundle(app, 1)).toBeNull();
    // Files shared with kept versions are still there.
    expect((await registry.getBundle(app, 4))?.files.length).toBe(bundle.files.length);

    // Back to v3, then a new v5: v3 (the version v5 replaced) stays as the rollback target, v4 as the newest two.
    expect((await registry.rollback(app, 3, null)).ok).toBe(true);
    expect((await deploy(5)).version).toBe(5);
    expect(await versions()).toEqual([3, 4, 5]);
    expect((await deploy(6)).version).toBe(6);
    expect(await versions()).toEqual([5, 6]);
    const back = await registry.rollback(app, 5, null);
    expect(back).toMatchObject({ ok: true, version: 5, fromVersion: 6 });
    expect((await registry.getBundle(app, 5))?.hash).toBe(bundle.hash);
    console.log("AIDEVOS_VERSIONS_KEPT = 2: 6 versions recorded, 2 kept (v5 live again after the rollback)");
  });
});
