/**
 * The expectations of an example step, with the meaning the acceptance runner gives them
 * (../shared/bench/acceptance.mjs, docs/appspec.md "Acceptance step format"): objects match as
 * subsets, arrays exactly in length and order, and the placeholders `<any>`, `<string>`,
 * `<number>`, `<null>`, `<absent>`.
 */

/** `{{var}}` replaced by saved values, in strings at any depth; unknown names stay as written. */
export function fill<T>(value: T, vars: Record<string, unknown>): T {
  if (typeof value === "string")
    return value.replace(/\{\{(\w{1,64})\}\}/g, (whole, k: string) =>
      Object.hasOwn(vars, k) ? String(vars[k]) : whole,
    ) as T;
  if (Array.isArray(value)) return value.map((v) => fill(v, vars)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)])) as T;
  return value;
}

/** Where `got` differs from `want`, one line per difference (empty when it matches). */
export function match(want: unknown, got: unknown, path = "$"): string[] {
  if (want === "<any>") return got === undefined ? [`${path} missing`] : [];
  if (want === "<string>") return typeof got === "string" ? [] : [`${path} not a string: ${short(got)}`];
  if (want === "<number>") return typeof got === "number" ? [] : [`${path} not a number: ${short(got)}`];
  if (want === "<null>") return got === null ? [] : [`${path} not null: ${short(got)}`];
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return [`${path} not an array`];
    if (want.length !== got.length) return [`${path} has ${got.length} items, want ${want.length}`];
    return want.flatMap((w, i) => match(w, got[i], `${path}[${i}]`));
  }
  if (want && typeof want === "object") {
    if (!got || typeof got !== "object") return [`${path} not an object: ${short(got)}`];
    return Object.entries(want).flatMap(([k, w]) =>
      w === "<absent>"
        ? k in got
          ? [`${path}.${k} should be absent`]
          : []
        : match(w, (got as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return Object.is(want, got) ? [] : [`${path} = ${short(got)}, want ${short(want)}`];
}

/** The value at a dotted path (`items.0.id`), or undefined. */
export function pick(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o == null ? undefined : (o as Record<string, unknown>)[k]), value);
}

function short(value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 120);
}
