// Proves the reviewer reviews the shared modules a model wrote, through the real Anthropic SDK and the loopback fake:
// the review call carries the module's code (and the prompt says to review modules); a blocking finding on the
// module's file is reported in the run's events and, the module being a model's, goes to the refiner through the
// call of the action that imports it, which fixes the module; the fixed module is what ships.

import { env } from "cloudflare:workers";
import { AppSpec } from "@aidevos/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, fakeModel, planning } from "./support";

const settings = env as unknown as Record<string, string | undefined>;
/** This file's own scenario of the fake, so it never takes answers another file scripted. */
const KEY = "sk-ant-fake-module-review";
const { script, sent } = fakeModel(KEY);
let savedKey: string | undefined;
beforeEach(() => {
  savedKey = settings.ANTHROPIC_API_KEY;
  settings.ANTHROPIC_API_KEY = KEY;
});
afterEach(() => {
  settings.ANTHROPIC_API_KEY = savedKey;
});

const MONEY = "export function dollars(cents) {\n  return cents / 100;\n}\n";
const FIXED = 'export function dollars(cents) {\n  return "$" + (cents / 100).toFixed(2);\n}\n';
const TOTAL = 'import { dollars } from "./money.js";\nexport default async () => ({ total: dollars(150) });\n';

function moneyApp(name: string) {
  return AppSpec.parse({
    name,
    entities: [{ name: "tip", plural: "tips", fields: { cents: { type: "integer", required: true } } }],
    modules: [{ name: "money", description: "dollars(cents) answers cents as a dollar string, $1.50" }],
    actions: [{ name: "total", method: "GET", path: "/total", description: "answers { total } with dollars(150)" }],
  });
}

describe("review of modules", () => {
  it("sends the module's code to the reviewer, reports its finding and refines the module", {
    timeout: 120_000,
  }, async () => {
    const name = uniqueName("modreview");
    const finding = {
      severity: "error",
      rule: "money-as-float",
      file: "actions/money.js",
      line: 2,
      message: "dollars answers a float, not the dollar string its description promises",
    };
    await script([
      ...planning(moneyApp(name)),
      answer({ code: MONEY }),
      answer({ code: TOTAL }),
      answer({ findings: [finding] }),
      // The refine call of the action importing the module: the action as it was, the module fixed.
      answer({ code: TOTAL, modules: [{ name: "money", code: FIXED }] }),
      answer({ findings: [] }),
    ]);
    const run = await waitForRun((await startRun({ request: "a tip jar with a dollar total" })).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");

    const requests = await sent();
    const reviews = requests.filter((r) => r.system.some((b: { text: string }) => b.text.includes("Review the")));
    expect(reviews).toHaveLength(2);
    // The first review saw the module's code, as a module, and was told to review modules.
    expect(reviews[0].messages[0].content).toContain(
      JSON.stringify({ name: "money", file: "actions/money.js", code: MONEY }),
    );
    expect(reviews[0].system.map((b: { text: string }) => b.text).join("")).toContain("<input>.modules");
    // The finding is reported in the run's events, and reached the refiner with the module's code.
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toContain("review: money-as-float actions/money.js:2");
    expect(events).toContain("refined 1 module(s) (money) and 0 action(s)");
    const refine = requests.find((r) => r.messages[0].content.includes('"failures":'));
    expect(refine.messages[0].content).toContain('"rule":"money-as-float"');
    expect(refine.messages[0].content).toContain(JSON.stringify(MONEY));
    // The second review saw the fixed module; the fixed module ships.
    expect(reviews[1].messages[0].content).toContain(JSON.stringify(FIXED));
    expect(run.stages.find((s) => s.name === "codegen")!.rounds).toBe(2);
    expect(await json(await api(`/apps/${name}/total`))).toEqual({ total: "$1.50" });
  });
});
