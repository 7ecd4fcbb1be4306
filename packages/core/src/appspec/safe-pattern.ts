import { type AST, RegExpParser } from "@eslint-community/regexpp";
import { RE2JS } from "re2js";

type Alternative = AST.Alternative;
type CharacterClassElement = AST.CharacterClassElement;
type Element = AST.Element;
type Node = AST.Node;
type Quantifier = AST.Quantifier;

/**
 * Spec patterns (`pattern` of a string field) are user input run on user input, in the gateway and in
 * every app. So they are matched only by RE2 (re2js: linear time in the input, whatever the pattern),
 * and a pattern is accepted only when it is
 *  - a valid ECMAScript pattern (what JSON Schema and OpenAPI clients will run it with) of at most 500 characters,
 *  - free of the shapes that make backtracking engines blow up: backreferences, lookaround, a repeat
 *    inside a repeat (`(a+)+`, `(a*)*`, `(\d{1,3}-)+`), a repeated part that can match nothing
 *    (`(a|)+`), and alternatives of a repeated part that can start alike (`(a|aa)+`),
 *  - compilable by RE2.
 * The refusals keep patterns safe for clients that use a backtracking engine; the guarantee for
 * AIDevOS itself is that nothing here ever hands a spec pattern to `RegExp`.
 */
export const MAX_PATTERN_LENGTH = 500;

/** A compiled spec pattern: `test` searches like `RegExp.prototype.test`, in time linear in the value. */
export interface SafePattern {
  readonly source: string;
  test(value: string): boolean;
}

/** A pattern that `compileSafePattern` refuses; `problem` says why, in words for the spec's author. */
export class UnsafePatternError extends Error {
  readonly pattern: string;
  readonly problem: string;
  constructor(pattern: string, problem: string) {
    super(`unsafe pattern: ${problem}`);
    this.name = "UnsafePatternError";
    this.pattern = pattern;
    this.problem = problem;
  }
}

// ES2024: no inline modifiers `(?i:…)`, which RE2 reads differently.
const parser = new RegExpParser({ ecmaVersion: 2024 });

/** Why the pattern cannot be used, or null when it is safe. */
export function patternProblem(pattern: string): string | null {
  return check(pattern).problem;
}

const cache = new Map<string, { problem: string | null; matcher: SafePattern | null }>();
const CACHE_SIZE = 256;

/** The linear-time matcher of a safe pattern; throws UnsafePatternError for any other. Compiled once per pattern. */
export function compileSafePattern(pattern: string): SafePattern {
  const { problem, matcher } = check(pattern);
  if (!matcher) throw new UnsafePatternError(pattern, problem ?? "refused");
  return matcher;
}

function check(pattern: string): { problem: string | null; matcher: SafePattern | null } {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const verdict = judge(pattern);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, verdict);
  return verdict;
}

function judge(pattern: string): { problem: string | null; matcher: SafePattern | null } {
  const refuse = (problem: string) => ({ problem, matcher: null });
  if (pattern.length > MAX_PATTERN_LENGTH) return refuse(`is longer than ${MAX_PATTERN_LENGTH} characters`);
  let ast: ReturnType<RegExpParser["parsePattern"]>;
  try {
    ast = parser.parsePattern(pattern, 0, pattern.length, { unicode: true });
  } catch (err) {
    return refuse(`is not a valid regular expression (${(err as Error).message})`);
  }
  const shape = shapeProblem(ast.alternatives, null);
  if (shape) return refuse(shape);
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (err) {
    return refuse(`cannot be compiled for linear-time matching (${(err as Error).message})`);
  }
  return { problem: null, matcher: { source: pattern, test: (value) => re2.test(value) } };
}

/** The first unsafe shape in these alternatives; `repeat` is the innermost enclosing repeat (max > 1). */
function shapeProblem(alternatives: Alternative[], repeat: Quantifier | null): string | null {
  if (repeat && alternatives.length > 1) {
    const firsts = alternatives.map((a) => firstChars(a.elements));
    for (let i = 0; i < firsts.length; i++)
      for (let j = i + 1; j < firsts.length; j++)
        if (overlaps(firsts[i]!, firsts[j]!))
          return `alternatives "${alternatives[i]!.raw}" and "${alternatives[j]!.raw}" inside the repeat "${repeat.raw}" can start with the same character (ambiguous, exponential for backtracking engines)`;
  }
  for (const alternative of alternatives)
    for (const element of alternative.elements) {
      const problem = elementProblem(element, repeat);
      if (problem) return problem;
    }
  return null;
}

function elementProblem(element: Element, repeat: Quantifier | null): string | null {
  switch (element.type) {
    case "Backreference":
      return `backreferences ("${element.raw}") are not allowed`;
    case "Assertion":
      if (element.kind === "lookahead" || element.kind === "lookbehind")
        return `lookahead and lookbehind ("${element.raw}") are not allowed`;
      return null;
    case "Group":
    case "CapturingGroup":
      return shapeProblem(element.alternatives, repeat);
    case "Quantifier": {
      if (repeat && element.min !== element.max)
        return `nested quantifier: "${element.raw}" repeats inside the repeat "${repeat.raw}" (star height above 1)`;
      const repeats = element.max > 1;
      if (repeats && nullable(element.element))
        return `the repeated part "${element.element.raw}" can match the empty string`;
      return elementProblem(element.element, repeats ? element : repeat);
    }
    default:
      return null;
  }
}

/** Whether the node can match without consuming a character. */
function nullable(node: Node): boolean {
  switch (node.type) {
    case "Assertion":
    case "Backreference":
      return true;
    case "Quantifier":
      return node.min === 0 || nullable(node.element);
    case "Group":
    case "CapturingGroup":
      return node.alternatives.some((a) => a.elements.every(nullable));
    default:
      return false;
  }
}

/** Code point ranges, inclusive. */
type Ranges = [number, number][];
const ALL: Ranges = [[0, 0x10ffff]];
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

function complement(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function overlaps(a: Ranges, b: Ranges): boolean {
  return a.some(([alo, ahi]) => b.some(([blo, bhi]) => alo <= bhi && blo <= ahi));
}

/** The characters a sequence can start with (over-approximated: property escapes count as any character). */
function firstChars(elements: Element[]): Ranges {
  const out: Ranges = [];
  for (const element of elements) {
    out.push(...firstOf(element));
    if (!nullable(element)) break;
  }
  return out;
}

function firstOf(node: Node): Ranges {
  switch (node.type) {
    case "Character":
      return [[node.value, node.value]];
    case "CharacterClassRange":
      return [[node.min.value, node.max.value]];
    case "CharacterSet":
      if (node.kind === "any" || node.kind === "property") return ALL;
      return escapeSet(node.kind, node.negate);
    case "CharacterClass": {
      const inside = (node.elements as CharacterClassElement[]).flatMap(firstOf);
      return node.negate ? complement(inside) : inside;
    }
    case "Group":
    case "CapturingGroup":
      return node.alternatives.flatMap((a) => firstChars(a.elements));
    case "Quantifier":
      return node.max === 0 ? [] : firstOf(node.element);
    case "Assertion":
      return [];
    default:
      return ALL;
  }
}

function escapeSet(kind: "digit" | "space" | "word", negate: boolean): Ranges {
  const set = kind === "digit" ? DIGIT : kind === "word" ? WORD : SPACE;
  return negate ? complement(set) : set;
}
