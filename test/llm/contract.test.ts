// Proves the contract the code prompts carry (packages/llm/src/prompts/contract.ts) is docs/appspec.md's, word for word:
// every row of the ctx table and every HTTP rule, so the prompt and the docs cannot drift; the prompts are versioned,
// carry that text themselves (not a pointer to a document the model never sees) and tell code calls which ctx exists;
// the second version (v3) of the spec, code and refine prompts differs from v2 and carries the same contract; the
// v3 data and files additions (json, array and file fields, [in]/[prefix]/[has], q, ctx.files, file()) are in it.
import { CTX_API, HTTP_RULES, prompt, promptVersions, unknownCtxMembers } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import doc from "../../docs/appspec.md?raw";

/** The docs' text with line breaks and runs of spaces as single spaces (the docs wrap lines). */
const flat = (text: string) => text.replace(/\s+/g, " ");

/** The rows of the docs' ctx table, as [member, what], cells trimmed. */
function docsCtxRows(): [string, string][] {
  const section = doc.slice(doc.indexOf("### The action context `ctx`"), doc.indexOf("## Examples"));
  return section
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| member") && !line.startsWith("| ---"))
    .map((line) => {
      const cells = line.split(" | ").map((c) =>
        c
          .replace(/^\|\s*/, "")
          .replace(/\s*\|$/, "")
          .trim(),
      );
      return [cells[0]!, cells.slice(1).join(" | ")];
    });
}

describe("the contract in the prompts", () => {
  it("has exactly the ctx rows of docs/appspec.md, in order", () => {
    expect(CTX_API.map(([m, w]) => [m, w])).toEqual(docsCtxRows());
  });

  it("states only HTTP rules docs/appspec.md states", () => {
    for (const rule of HTTP_RULES) expect(flat(doc)).toContain(flat(rule));
  });

  it("tells code calls the v3 data and files contract: new types, filters, q, ctx.files and file()", () => {
    const { text } = prompt("code", "v3");
    for (const phrase of [
      "A `json` field holds any JSON value",
      "an `array` field holds a list of its `items`",
      "`{field}[has]=v`",
      "`{field}[in]=a,b` (at most 50 values; a comma inside a value is `%2C`)",
      "`{field}[prefix]=text`",
      "An entity with `search` takes `?q=` (and `list({ q })`)",
      "A `file` field reads `{ size, contentType, sha256 }` or `null`",
      "`list({ where, q, sort, limit, cursor })`",
      "`{ in: [...] }` (at most 50 values), `{ prefix }` (a string field) or `{ has }` (an array field)",
      "`file(id, field)` → `{ body: ArrayBuffer, contentType, size }` or `undefined`",
      "- `files`: v3: `put(key, body, { contentType }?)`",
      "`req.formData()`",
    ])
      expect(text).toContain(phrase);
    // ctx.files exists; a member the contract lacks is still named.
    const code = "const f = await ctx.files.get('a');\nawait ctx.db.query('x');";
    expect(unknownCtxMembers("a.js", code).map((f) => f.message.split(" ")[0])).toEqual(["ctx.db"]);
  });

  it("is carried, versioned, by the code, review and refine prompts of every version", () => {
    for (const version of ["v2", "v3"])
      for (const task of ["code", "review", "refine"] as const) {
        const { text } = prompt(task, version);
        for (const [member] of CTX_API) expect(text).toContain(member);
        for (const rule of HTTP_RULES) expect(text).toContain(rule);
        expect(text).toContain('{ "error": { "code", "message", "details": [...] } }');
        expect(text).not.toContain("docs/appspec.md exactly");
      }
    // Planning writes the spec with actions and their examples, and leaves the code to code generation.
    for (const version of ["v2", "v3"]) {
      expect(prompt("spec", version).text).toContain("examples");
      expect(prompt("spec", version).text).toContain("Leave every action's code out");
    }
  });

  it("ships two genuinely different versions of the spec, code and refine prompts, and names which was sent", () => {
    // Planning's default is v3 (measured against v2 in test/models/spec-prompt-default.test.ts); the default is first.
    expect(promptVersions("spec")).toEqual(["spec.v3", "spec.v2"]);
    expect(prompt("spec").version).toBe("spec.v3");
    expect(promptVersions("code")).toEqual(["code.v2", "code.v3"]);
    expect(promptVersions("refine")).toEqual(["refine.v2", "refine.v3"]);
    // Review has one version: a run asked for v3 gets v2's review prompt, and is told so.
    expect(promptVersions("review")).toEqual(["review.v2"]);
    expect(prompt("review", "v3").version).toBe("review.v2");
    expect(prompt("code").version).toBe("code.v2");
    // The refine prompt follows the code prompt's version by its versioned name.
    expect(prompt("refine", "code.v3").version).toBe("refine.v3");
    for (const task of ["spec", "code", "refine"] as const) {
      const [v2, v3] = [prompt(task, "v2").text, prompt(task, "v3").text];
      expect(v3).not.toBe(v2);
      // v3 ends with a self-check list the model goes through before it answers.
      expect(v3).toContain("Before you answer, check each of these");
      expect(v2).not.toContain("Before you answer");
    }
    // v3's spec and code prompts open with a worked example.
    expect(prompt("spec", "v3").text.startsWith("Worked example.")).toBe(true);
    expect(prompt("code", "v3").text.startsWith("Worked example.")).toBe(true);
  });
});
