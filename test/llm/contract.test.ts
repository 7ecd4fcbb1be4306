// Proves the contract the code prompts carry (packages/llm/src/prompts/contract.ts) is docs/appspec.md's, word for word:
// every row of the ctx table and every HTTP rule, so the prompt and the docs cannot drift; the prompts are versioned,
// carry that text themselves (not a pointer to a document the model never sees) and tell code calls which ctx exists.
import { CTX_API, HTTP_RULES, prompt } from "@aidevos/llm";
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

  it("is carried, versioned, by the code, review and refine prompts", () => {
    for (const task of ["code", "review", "refine"] as const) {
      const { version, text } = prompt(task);
      expect(version).toBe(`${task}.v2`);
      for (const [member] of CTX_API) expect(text).toContain(member);
      expect(text).toContain('{ "error": { "code", "message", "details": [...] } }');
      expect(text).not.toContain("docs/appspec.md exactly");
    }
    // Planning writes the spec with actions and their examples, and leaves the code to code generation.
    expect(prompt("spec").text).toContain("examples");
    expect(prompt("spec").text).toContain("Leave every action's code out");
  });
});
