// Proves the pieces codegen splits work with: at most 4 action calls in flight (results in order), code unfenced from
// Markdown the way models send it (and left alone otherwise), and failures mapped to the actions they name (examples
// case, integration case, route, a 500's message, a review finding's file), never to an action they do not name.
import type { AppSpec, TestReport } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { ACTION_CONCURRENCY, failingActions, mapBounded, unfence } from "../../workers/codegen/src/action-code";

describe("mapBounded", () => {
  it("keeps at most the limit in flight and answers in input order", async () => {
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const run = mapBounded([...Array(10).keys()], ACTION_CONCURRENCY, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      return n * 2;
    });
    // Release calls one by one, as long as any wait: each release lets the next start.
    while (waiting.length > 0 || inFlight > 0) {
      await Promise.resolve();
      waiting.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(await run).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(ACTION_CONCURRENCY).toBe(4);
    expect(most).toBe(4);
  });
});

describe("unfence", () => {
  const code = "export default async (req, ctx) => ({ ok: true });";
  it("takes the module out of a fence, with a language tag and prose around it", () => {
    expect(unfence(`Here it is:\n\n\`\`\`javascript\n${code}\n\`\`\`\nHope this helps.`)).toBe(`${code}\n`);
    expect(unfence(`\`\`\`\n${code}\n\`\`\``)).toBe(`${code}\n`);
  });
  it("leaves plain code alone", () => {
    expect(unfence(code)).toBe(code);
  });
});

describe("failingActions", () => {
  const spec = {
    name: "tips",
    entities: [],
    actions: [
      { name: "total", method: "GET", path: "/total" },
      { name: "top", method: "GET", path: "/top" },
      { name: "reset", method: "POST", path: "/reset" },
    ],
  } as unknown as AppSpec;
  const report = (kind: TestReport["kind"], name: string, message?: string): TestReport => ({
    kind,
    ok: false,
    passed: 0,
    failed: 1,
    durationMs: 1,
    cases: [{ name, ok: false, durationMs: 1, ...(message ? { message } : {}) }],
  });

  it("maps each kind of failure to the action it names, and no other", () => {
    expect([...failingActions(spec, [report("examples", "total example 3: GET /total")], [])]).toEqual(["total"]);
    expect([...failingActions(spec, [report("integration", "action top: PUT on its path is 405")], [])]).toEqual([
      "top",
    ]);
    expect([...failingActions(spec, [report("security", "malformed body to POST /reset")], [])]).toEqual(["reset"]);
    expect([
      ...failingActions(spec, [report("examples", "app example 1: GET /x", "500: action top failed")], []),
    ]).toEqual(["top"]);
    const finding = { severity: "error" as const, rule: "r", file: "actions/reset.js", message: "m" };
    expect([...failingActions(spec, [], [finding])]).toEqual(["reset"]);
    expect([...failingActions(spec, [report("unit", "book: validates title")], [])]).toEqual([]);
  });
});
