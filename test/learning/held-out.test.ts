// Proves how well offline free text is matched, through POST /v1/runs as a user would send it: a phrasing is right
// when a request a pattern fits is built from that pattern (the run's summary names it) and a request no pattern
// fits is refused with 422 offline_needs_spec naming the closest patterns; a request built from a pattern other
// than the one it names (or built when it must be refused) is built as another domain. Nothing in workers/ reads
// test/learning/held-out/. The three sets here are development sets, read while the matcher was tuned, so their
// counts say what the matcher does, not how well it generalises: dev-phrasings.json (written before the first
// tuning), dev-phrasings-2.json (the held-out set of the first tuning, measured once at 31 of 40, then read for the
// second) and dev-probes.json (written by the second tuning's author, mostly refusals close to a pattern's domain).
// The blind set, blind-phrasings.json, is held out: written by someone who saw only the patterns' titles and
// summaries, read only after the matcher was frozen (commit 888c7e9), measured once, never tuned on.
// Each count is asserted exactly, so a change that moves it either way shows here.

import type { Run } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json } from "../support/api";
import blind from "./held-out/blind-phrasings.json";
import dev from "./held-out/dev-phrasings.json";
import dev2 from "./held-out/dev-phrasings-2.json";
import probes from "./held-out/dev-probes.json";

interface Measured {
  /** Phrasings handled right: built from the pattern they name, or refused when they name none. */
  right: number;
  /** Phrasings built from a pattern they do not name (including ones that must be refused). */
  otherDomain: number;
}

async function measure(name: string, phrasings: [string, string | null][]): Promise<Measured> {
  let right = 0;
  let otherDomain = 0;
  let fitsRight = 0;
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
    if (answer === expected) {
      right += 1;
      if (expected !== null) fitsRight += 1;
    } else {
      if (answer !== null) otherDomain += 1;
      misses.push(`"${request}" → ${answer ?? "refused"}, wanted ${expected ?? "refused"}`);
    }
  }
  const share = Math.round((right / phrasings.length) * 100);
  const fits = phrasings.filter(([, expected]) => expected !== null).length;
  console.log(
    `${name}: ${right} of ${phrasings.length} handled right through POST /v1/runs (${share}%): ${fitsRight} of ${fits} ` +
      `a pattern fits built from it, ${right - fitsRight} of ${phrasings.length - fits} refusals refused; ` +
      `${otherDomain} built as another domain`,
    misses,
  );
  return { right, otherDomain };
}

describe("free text through POST /v1/runs (development sets)", () => {
  it("first development set: each phrasing built from the pattern that fits it, or refused naming the closest", {
    timeout: 240_000,
  }, async () => {
    // 34 of 38 before the matcher learned everyday vocabulary (vocabulary.ts) and word weights.
    expect(await measure("development phrasings", dev.phrasings as [string, string | null][])).toEqual({
      right: 37,
      otherDomain: 0,
    });
  });

  it("second development set (the first tuning's held-out set): the same", { timeout: 240_000 }, async () => {
    // 31 of 40 when it was held out.
    expect(await measure("second development phrasings", dev2.phrasings as [string, string | null][])).toEqual({
      right: 34,
      otherDomain: 0,
    });
  });

  it("probes close to a pattern's domain: refused, with three known exceptions", { timeout: 240_000 }, async () => {
    // The three built as another domain: "a QR code generator for links" (URL shortener: "QR" is too short a word
    // to count), "a petition page people can sign" (Guestbook page) and "a shopping list app that sorts items by
    // aisle" (Shopping cart). 104 of 114, seven built as another domain, before the vocabulary and weights.
    expect(await measure("development probes", probes.phrasings as [string, string | null][])).toEqual({
      right: 159,
      otherDomain: 3,
    });
  });
});

describe("free text through POST /v1/runs (blind set)", () => {
  it("blind held-out set, measured once with the matcher frozen: the count it got", { timeout: 240_000 }, async () => {
    // 40 requests a pattern fits, 20 it must refuse; issue 31 asks for at least 85% right (51 of 60). Measured
    // once: 52 of 60 (87%), 32 of 40 fits built from their pattern, 20 of 20 refused, none built as another domain.
    expect(await measure("blind phrasings", blind.phrasings as [string, string | null][])).toEqual({
      right: 52,
      otherDomain: 0,
    });
  });
});
