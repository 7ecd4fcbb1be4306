// Proves spec patterns cannot stall the gateway: unsafe ones (nested quantifiers, ambiguous repeats,
// backreferences, lookaround) are refused as validation_failed on their own path, while /healthz keeps
// answering; safe ones are accepted and matched by the linear-time engine shared with the apps.
import { compileSafePattern, patternProblem, UnsafePatternError, validValue } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, uniqueName } from "../support/api";

function specWith(code: Record<string, unknown>) {
  return {
    request: "codes",
    spec: {
      name: uniqueName("patterns"),
      entities: [{ name: "item", plural: "items", fields: { code } }],
    },
  };
}

async function refusal(code: Record<string, unknown>) {
  const res = await api("/v1/runs", { method: "POST", json: specWith(code) });
  expect(res.status).toBe(400);
  const body = await json(res);
  expect(body.error.code).toBe("validation_failed");
  return body.error.details as { path: string; message: string }[];
}

describe("POST /v1/runs with spec patterns", () => {
  it("refuses a catastrophic pattern with a hostile default, naming the pattern, while /healthz answers", async () => {
    // With RegExp this default takes minutes to reject: (a+)+ tries every split of the 40 a's.
    const hostile = refusal({ type: "string", pattern: "^(a+)+$", default: `${"a".repeat(40)}!` });
    const health = api("/healthz");
    const [details, healthz] = await Promise.all([hostile, health]);
    expect(healthz.status).toBe(200);
    expect(details).toEqual([
      { path: "spec.entities.0.fields.code.pattern", message: expect.stringContaining("nested quantifier") },
    ]);
  });

  it.each([
    ["a nested star", "^(a*)*$"],
    ["an ambiguous repeat", "^(a|aa)+$"],
    ["a backreference", "(a)\\1"],
    ["a named backreference", "(?<x>a)\\k<x>"],
    ["a lookahead", "(?=a)a"],
    ["a negative lookbehind", "(?<!a)b"],
    ["what RE2 cannot compile", "a{2,5000}"],
    ["an invalid pattern", "(a"],
  ])("refuses %s", async (_label, pattern) => {
    const details = await refusal({ type: "string", pattern });
    expect(details.map((d) => d.path)).toEqual(["spec.entities.0.fields.code.pattern"]);
  });

  it("accepts a normal pattern and checks the default against it", async () => {
    const ok = await api("/v1/runs", {
      method: "POST",
      json: specWith({ type: "string", pattern: "^[A-Z0-9-]{3,20}$", default: "AB-12" }),
    });
    expect(ok.status).toBe(202);
    await api(`/v1/runs/${(await json(ok)).id}/cancel`, { method: "POST" });

    const details = await refusal({ type: "string", pattern: "^[A-Z0-9-]{3,20}$", default: "ab" });
    expect(details).toEqual([{ path: "spec.entities.0.fields.code", message: "default does not match pattern" }]);
  });
});

describe("compileSafePattern", () => {
  it("matches like RegExp.test (a search) for safe patterns", () => {
    const code = compileSafePattern("^[A-Z0-9-]{3,20}$");
    expect([code.test("AB-12"), code.test("ab"), code.test("A")]).toEqual([true, false, false]);
    expect(compileSafePattern("\\d{2}").test("x12y")).toBe(true);
    expect(compileSafePattern("^\\p{Lu}+$").test("ÄB")).toBe(true);
  });

  it("throws UnsafePatternError for a pattern it refuses", () => {
    expect(() => compileSafePattern("^(a+)+$")).toThrow(UnsafePatternError);
    expect(patternProblem("^[a-z]+(-[a-z]+)*$")).toContain("nested quantifier");
    expect(patternProblem("^-?\\d+(?:\\.\\d+)?$")).toBeNull();
  });

  it("backs sample values, so the testing stage never runs a spec pattern through RegExp", () => {
    expect(validValue({ type: "string", pattern: "^[0-9]{5}$" })).toBe("12345");
  });
});
