// Proves native work is charged to the request's CPU budget by its input size, over real HTTP: an
// action that scans a long string again and again with includes() (which runs no user code, so no
// tick saw it) now ends in 503 cpu_limit_exceeded instead of holding workerd, /healthz answers beside
// it, and the app serves its next request.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

// Scaled down from the attack (80,000 scans of 16 MiB): 4 MiB scanned 3,000 times runs for seconds
// uncharged, and at one tick per 16 characters it is about fifty times the per-request budget.
const SCANS = `export default async (req, ctx) => {
  if (ctx.query.get("big") !== "1") return { found: "abc".includes("b") };
  const s = "ab".repeat(1 << 21);
  let n = 0;
  for (let i = 0; i < 3000; i++) if (s.includes("needle" + i)) n++;
  return { n };
};`;

function spec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    entities: [],
    actions: [{ name: "scan", method: "GET", path: "/scan", code: SCANS }],
  };
}

describe("native work charged by its input", () => {
  it("80,000-style includes() scans over a long string end in 503 cpu_limit_exceeded, and the app serves again", async () => {
    const name = uniqueName("scans");
    const run = await waitForRun((await startRun({ request: "r", spec: spec(name) })).id);
    expect(run.status).toBe("succeeded");
    const [scan, health] = await Promise.all([api(`/apps/${name}/scan?big=1`), api("/healthz")]);
    expect(health.status).toBe(200);
    expect(scan.status).toBe(503);
    expect((await json(scan)).error.code).toBe("cpu_limit_exceeded");
    const next = await api(`/apps/${name}/scan`);
    expect(next.status).toBe(200);
    expect(await json(next)).toEqual({ found: true });
  });
});
