import { RegExpParser } from "@eslint-community/regexpp";
import { parse } from "acorn";
import { RE2JS } from "re2js";

/**
 * Regular expressions in action and module code run on a linear-time engine in the sandbox (RE2,
 * packages/sandbox runtime/guard/linear-regexp.js), which cannot run what needs backtracking. So a
 * regex literal, or `RegExp("…")` / `new RegExp("…")` with a literal pattern, that uses a
 * backreference, lookahead or lookbehind, or that RE2 cannot compile, is refused at validation with
 * this message rather than failing at its first match. Nested quantifiers are fine here: RE2 runs
 * `/^(a+)+$/` in linear time (unlike spec `pattern`s, which clients also run with backtracking engines).
 */
const parser = new RegExpParser({ ecmaVersion: 2025 });

type AnyNode = { type: string; [key: string]: any };

function backtrackingShape(pattern: string, flags: string): string | null {
  let found: string | null = null;
  try {
    const ast = parser.parsePattern(pattern, 0, pattern.length, {
      unicode: flags.includes("u"),
      unicodeSets: flags.includes("v"),
    });
    const visit = (node: any): void => {
      if (found || node === null || typeof node !== "object") return;
      if (node.type === "Backreference") found = `the backreference "${node.raw}"`;
      else if (node.type === "Assertion" && (node.kind === "lookahead" || node.kind === "lookbehind"))
        found = `the ${node.kind} "${node.raw}"`;
      for (const [key, value] of Object.entries(node as Record<string, any>)) {
        if (key === "parent" || key === "resolved") continue;
        if (Array.isArray(value)) value.forEach(visit);
        else if (value && typeof value === "object" && typeof value.type === "string") visit(value);
      }
    };
    visit(ast);
  } catch {
    return null; // not a valid pattern: the engine reports it when the code runs
  }
  return found;
}

/** Why this pattern cannot run in the sandbox's linear-time engine, or null when it can. */
function regexProblem(pattern: string, flags: string): string | null {
  const shape = backtrackingShape(pattern, flags);
  if (shape) return `uses ${shape}, which needs a backtracking engine`;
  try {
    RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (err) {
    return `cannot run on a linear-time engine (${err instanceof Error ? err.message : String(err)})`;
  }
  return null;
}

function literalPatterns(node: AnyNode): { pattern: string; flags: string; line: number } | null {
  const line = node.loc?.start.line ?? 0;
  if (node.type === "Literal" && node.regex) return { pattern: node.regex.pattern, flags: node.regex.flags, line };
  if (
    (node.type === "NewExpression" || node.type === "CallExpression") &&
    node.callee?.type === "Identifier" &&
    node.callee.name === "RegExp" &&
    node.arguments?.[0]?.type === "Literal" &&
    typeof node.arguments[0].value === "string"
  ) {
    const flags =
      node.arguments[1]?.type === "Literal" && typeof node.arguments[1].value === "string"
        ? node.arguments[1].value
        : "";
    return { pattern: node.arguments[0].value, flags, line };
  }
  return null;
}

/**
 * The first regular expression written in this parsed module that the sandbox cannot run, as a
 * message naming its line, or null.
 */
export function codeRegexProblem(program: AnyNode): string | null {
  const stack: AnyNode[] = [program];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const literal = literalPatterns(node);
    if (literal) {
      const problem = regexProblem(literal.pattern, literal.flags);
      if (problem)
        return `the regular expression /${literal.pattern.slice(0, 80)}/${literal.flags} on line ${literal.line} ${problem}: regular expressions in app code run in linear time, so backreferences, lookahead and lookbehind are refused`;
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (item && typeof item.type === "string") stack.push(item);
      } else if (value && typeof value === "object" && typeof (value as AnyNode).type === "string")
        stack.push(value as AnyNode);
    }
  }
  return null;
}

/** codeRegexProblem of module source text (null when it does not parse: that is reported apart). */
export function sourceRegexProblem(code: string): string | null {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true }) as unknown as AnyNode;
  } catch {
    return null;
  }
  return codeRegexProblem(program);
}
