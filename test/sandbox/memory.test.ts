// Proves an app's memory is bounded across requests, over real HTTP in real workerd: an action that
// keeps 16 MiB more in a module-level array on every request ends in 503 memory_limit_exceeded once
// what its isolate holds passes the per-app budget; the app's module-level state is then reset (the
// next request sees the array empty again) and another app answers throughout. Seen failing first:
// without the budget all 16 requests answered 200, holding 256 MiB. A string of characters outside
// Latin-1 counts two bytes a character (seen failing first: counted by length, nine such strings of
// 16 MiB each were held before the refusal).
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const HOARD = `const kept = [];
export default async (req, ctx) => {
  if (ctx.query.get("grow") === "1") kept.push("x".repeat(16 * 1024 * 1024) + kept.length);
  return { held: kept.length };
};`;

// 8 Mi characters outside Latin-1: V8 keeps them at two bytes each, 16 MiB a string.
const HOARD_WIDE = `const kept = [];
export default async (req, ctx) => {
  if (ctx.query.get("grow") === "1") kept.push("\u20ac".repeat(8 * 1024 * 1024) + kept.length);
  return { held: kept.length };
};`;

function hoarder(name: string, code = HOARD): AppSpecInput {
  return {
    name,
    partition: "single",
    entities: [],
    actions: [{ name: "hoard", method: "GET", path: "/hoard", code }],
  };
}

/** Grows the app's array until a request is refused; the answers, and how many strings it held before. */
async function growUntilRefused(name: string, other?: string): Promise<{ answers: string[]; held: number }> {
  const answers: string[] = [];
  let held = 0;
  for (let i = 0; i < 16; i++) {
    const [grow, bystander] = await Promise.all([
      api(`/apps/${name}/hoard?grow=1`),
      other ? api(`/apps/${other}/tasks`) : undefined,
    ]);
    if (bystander) expect(bystander.status).toBe(200);
    const body = await json(grow);
    answers.push(grow.status === 200 ? `200 ${body.held}` : `${grow.status} ${body.error?.code}`);
    if (grow.status !== 200) break;
    held = body.held;
  }
  return { answers, held };
}

describe("memory across requests", () => {
  it("a module-level array grown by every request ends in 503 memory_limit_exceeded, then the app serves again with its state reset", async () => {
    const name = uniqueName("hoard");
    const other = uniqueName("bystander");
    const runs = await Promise.all([
      startRun({ request: "r", spec: hoarder(name) }),
      startRun({ request: "r", spec: todoSpec(other) }),
    ]);
    for (const run of runs) expect((await waitForRun(run.id, 60_000)).status).toBe("succeeded");

    const { answers, held } = await growUntilRefused(name, other);
    // 128 MiB per app, less what V8 spends beyond the state (HEAP_RESERVE): four 16 MiB strings fit, a few more do not.
    expect(answers.at(-1)).toBe("503 memory_limit_exceeded");
    expect(held).toBeGreaterThanOrEqual(3);
    expect(held).toBeLessThanOrEqual(6);
    expect(grewBy(answers)).toBe(true);

    const next = await api(`/apps/${name}/hoard`);
    expect(next.status).toBe(200);
    expect(await json(next)).toEqual({ held: 0 });
    expect((await api(`/apps/${other}/tasks`)).status).toBe(200);
  }, 180_000);

  it("a string of characters outside Latin-1 counts two bytes a character, as V8 keeps it", async () => {
    const name = uniqueName("hoard-wide");
    expect(
      (await waitForRun((await startRun({ request: "r", spec: hoarder(name, HOARD_WIDE) })).id, 60_000)).status,
    ).toBe("succeeded");
    const { answers, held } = await growUntilRefused(name);
    // Each string is 8 Mi characters but 16 MiB: refused after as many as the one-byte strings above,
    // not twice as many.
    expect(answers.at(-1)).toBe("503 memory_limit_exceeded");
    expect(held).toBeGreaterThanOrEqual(3);
    expect(held).toBeLessThanOrEqual(6);
    expect(grewBy(answers)).toBe(true);
  }, 180_000);
});

/** Every answer before the refusal kept one more string than the one before it. */
function grewBy(answers: string[]): boolean {
  return answers.slice(0, -1).every((a, i) => a === `200 ${i + 1}`);
}
