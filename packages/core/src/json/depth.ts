/**
 * The deepest nesting a JSON body may have. Deeper values parse, but every later step that walks
 * them (zod, structured clone for RPC, JSON.stringify) recurses per level: 5,000 nested arrays
 * overflowed the stack at the RPC call and answered 500. 64 is far past any real document.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep the JSON text nests, read without recursion and without parsing (brackets inside
 * strings do not count), stopping as soon as `limit` is passed. Malformed text is left to
 * `JSON.parse`: the count is only meaningful for valid JSON.
 */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * The path of the first `__proto__` key in a parsed JSON value, or null. `JSON.parse` keeps such a
 * key as an own property, but zod's records drop it without a word (a field so named vanished from
 * the deployed spec) and plain assignment would set a prototype instead: the gateway refuses it.
 * Iterative, so a value of any depth is safe to walk.
 */
export function protoKeyPath(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    for (const key of Object.keys(v)) {
      const at = path ? `${path}.${key}` : key;
      if (key === "__proto__") return at;
      stack.push([(v as Record<string, unknown>)[key], at]);
    }
  }
  return null;
}
