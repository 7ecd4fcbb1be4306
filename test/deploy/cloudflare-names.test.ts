// Proves app Workers on Cloudflare can never take another Worker's name (issue 27, attack 7): they upload as
// `aidevos-app-<app>` marked with our tag, and a first deploy onto the gateway's own name or onto a Worker of the
// account that AIDevOS did not create fails with script_name_taken, leaving that Worker untouched.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec } from "@aidevos/core";
import { CloudflareClient, CloudflareDeployer } from "@aidevos/deploy";
import { describe, expect, it } from "vitest";
import { api, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
const control = cfUrl.replace(/\/client\/v4$/, "");

/** Starts recording the calls for the app's Worker (the fake records scripted keys only). */
async function watch(app: string): Promise<void> {
  await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: app, responses: [] }) });
}
async function calls(app: string): Promise<any[]> {
  return (await fetch(`${control}/__requests?key=${app}`)).json();
}
async function deploy(spec: ReturnType<typeof todoSpec>) {
  return waitForRun((await startRun({ request: "ship", spec, options: {} })).id);
}

/** Someone else's Worker on the account, uploaded through the API without our tag. */
async function foreignWorker(script: string): Promise<void> {
  const form = new FormData();
  form.append("metadata", new Blob([JSON.stringify({ main_module: "w.js" })], { type: "application/json" }));
  form.append("w.js", new Blob(["export default {}"], { type: "application/javascript+module" }), "w.js");
  const res = await fetch(`${cfUrl}/accounts/test-account/workers/scripts/${script}`, {
    method: "PUT",
    headers: { authorization: "Bearer cf-test-token-9d2f" },
    body: form,
  });
  expect(res.status).toBe(200);
}

describe("Cloudflare script names", () => {
  it("uploads an app as aidevos-app-<name>, tagged as ours", async () => {
    const name = uniqueName("named");
    await watch(name);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("succeeded");
    const put = (await calls(name)).find((c) => c.method === "PUT" && c.sub === null);
    expect(put.script).toBe(`aidevos-app-${name}`);
    expect(put.metadata.tags).toEqual(["aidevos-app"]);
    // A second version goes to the same Worker.
    const spec = todoSpec(name);
    (spec.entities![0]!.fields as Record<string, unknown>).note = { type: "string" };
    expect((await deploy(spec)).status).toBe("succeeded");
    const scripts = new Set((await calls(name)).map((c) => c.script));
    expect([...scripts]).toEqual([`aidevos-app-${name}`]);
  });

  it("refuses an app whose Worker name another Worker of the account has, and never overwrites it", async () => {
    const name = uniqueName("taken");
    await watch(name);
    await foreignWorker(`aidevos-app-${name}`);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("script_name_taken");
    expect(run.error?.message).toContain(`aidevos-app-${name}`);
    // The one upload is the other owner's: AIDevOS sent nothing to that Worker.
    expect((await calls(name)).map((c) => c.method)).toEqual(["PUT"]);
    expect((await api(`/v1/apps/${name}`)).status).toBe(404);
  });

  it("refuses an app whose Worker would be the gateway itself", async () => {
    const name = uniqueName("gw");
    await watch(name);
    // A gateway deployed as aidevos-app-<name>: the app <name> would land on it.
    const deployer = new CloudflareDeployer(
      new CloudflareClient({ accountId: "test-account", apiToken: "cf-test-token-9d2f", baseUrl: cfUrl }),
      {},
      `aidevos-app-${name}`,
    );
    const bundle = await compileApp(AppSpec.parse(todoSpec(name)));
    await expect(deployer.deploy(deployer.scriptName(name), bundle, null)).rejects.toMatchObject({
      code: "script_name_taken",
      status: 409,
    });
    expect(await calls(name)).toEqual([]);
  });
});
