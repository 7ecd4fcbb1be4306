// Proves how well offline free text is matched, through POST /v1/runs as a user would send it, on phrasings kept
// apart from the matcher: nothing in workers/ reads test/learning/held-out/. A phrasing is right when a request a
// pattern fits is built from that pattern (the run's summary names it) and a request no pattern fits is refused with
// 422 offline_needs_spec naming the closest patterns. Two sets: held-out/phrasings.json, written after the matcher
// and the seeded keywords were frozen and never used to tune them (the held-out figure: 31 of 40, 78%, short of the
// 85% issue 31 asks for — every refusal right, nine requests a pattern fits refused); and
// held-out/dev-phrasings.json, written before and then used for tuning (reported, not held out). Each count is
// asserted exactly, so a change that moves it either way shows here.

import type { Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json } from "../support/api";
import dev from "./held-out/dev-phrasings.json";
import heldOut from "./held-out/phrasings.json";

/** Right answers when this test was last changed (the held-out set measured once, with the matcher frozen). */
const HELD_OUT_RIGHT = 31;
const DEV_RIGHT = 34;

async function measure(name: string, phrasings: [string, string | null][]): Promise<number> {
  let right = 0;
  const misses: string[] = [];
  for (const [request, expected] of phrasings) {
    const res = await api("/v1/runs", { method: "POST", json: { request } });
    let answer: string | null;
    if (res.status === 202) {
      const run = await json<Run>(res);
      answer = run.pattern?.title.replace(/^App pattern: /, "") ?? "(no pattern named)";
      // Only what it was built from is measured here: the run itself is not needed.
      await api(`/v1/runs/${run.id}/cancel`, { method: "POST" });
    } else {
      const { error } = await json(res);
      expect(res.status, JSON.stringify(error)).toBe(422);
      expect(error.code).toBe("offline_needs_spec");
      expect(error.details.length).toBeGreaterThan(0);
      answer = null;
    }
    if (answer === expected) right += 1;
    else misses.push(`"${request}" → ${answer ?? "refused"}, wanted ${expected ?? "refused"}`);
  }
  const share = Math.round((right / phrasings.length) * 100);
  console.log(`${name}: ${right} of ${phrasings.length} handled right through POST /v1/runs (${share}%)`, misses);
  return right;
}

describe("free text through POST /v1/runs", () => {
  it("held out: builds each phrasing from the pattern that fits it, or refuses it naming the closest", {
    timeout: 240_000,
  }, async () => {
    const phrasings = heldOut.phrasings as [string, string | null][];
    const right = await measure("held-out phrasings", phrasings);
    expect(right).toBe(HELD_OUT_RIGHT);
  });

  it("development set (used for tuning, not held out): the same, reported", { timeout: 240_000 }, async () => {
    expect(await measure("development phrasings", dev.phrasings as [string, string | null][])).toBe(DEV_RIGHT);
  });
});
