// What the two failed-record fault tests (record-rollback, record-restore) share: the loopback Cloudflare
// fake's control routes (what was sent, what to answer, what serves), the faults project's test Registry whose
// version records of one app can be made to fail, and deploys of a todo spec. Run only in the faults project.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { startRun, todoSpec, waitForRun } from "../support/api";
import type { RegistryDO as TestRegistry } from "../worker/index";

const control = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL.replace(
  /\/client\/v4$/,
  "",
);

/** One call the fake received for an app's script, as its /__requests route reports it. */
export interface Call {
  method: string;
  sub: string | null;
  status: number;
  namespace: string | null;
  metadata?: { migrations?: unknown; bindings?: { type: string; class_name?: string }[] };
}
export async function calls(name: string): Promise<Call[]> {
  return (await fetch(`${control}/__requests?key=${name}`)).json();
}
export async function script(name: string, responses: unknown[]) {
  await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses }) });
}
/** The versions serving the app's Worker on Cloudflare now; null when there is no Worker. */
export async function servedOnCloudflare(name: string): Promise<{ version_id: string; percentage: number }[] | null> {
  return (await fetch(`${control}/__live?key=${name}`)).json();
}

const isTestRegistry = (registry: object): registry is TestRegistry => "failRecordsOf" in registry;

/** The one Registry object. */
export const registry = () => env.REGISTRY.get(env.REGISTRY.idFromName("global"));

/** The next `count` version records of the app fail in the Registry. */
export async function failRecords(app: string, count: number) {
  await runInDurableObject(registry(), (r) => {
    if (!isTestRegistry(r)) throw new Error("REGISTRY is not the test subclass: run this in the faults project");
    r.failRecordsOf(app, count);
  });
}
export async function deploy(spec: ReturnType<typeof todoSpec>) {
  return waitForRun((await startRun({ request: "ship", spec })).id);
}
/** The todo spec with one more string field, so a deploy makes a new version. */
export function changed(name: string, field: string) {
  const spec = todoSpec(name) as any;
  spec.entities[0].fields[field] = { type: "string" };
  return spec;
}
