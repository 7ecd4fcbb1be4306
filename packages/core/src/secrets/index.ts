/**
 * Secret values never leave the sandbox toward a report: a run, an event, a test report, an error
 * group, a log line, a feed or a prompt. Whatever text the platform builds from what an app did (an
 * example's diff, a response body, an error message) goes through a redactor first, which puts
 * `[secret NAME]` in place of every value of the app's secrets, in the forms it shows up in: as it
 * is, escaped inside a JSON string, and URL-encoded.
 */

/** Values this short are not taken as secrets to look for: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 4;

export type Redactor = <T>(value: T) => T;

function formsOf(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** A redactor for these secrets (name → value); the identity when there are none. */
export function secretRedactor(secrets: Readonly<Record<string, string>>): Redactor {
  // Longest first, so a secret that contains another is replaced whole.
  const pairs = Object.entries(secrets)
    .flatMap(([name, value]) => (typeof value === "string" ? formsOf(value).map((form) => ({ name, form })) : []))
    .sort((a, b) => b.form.length - a.form.length);
  if (pairs.length === 0) return (value) => value;
  const text = (s: string) => {
    let out = s;
    for (const { name, form } of pairs) if (out.includes(form)) out = out.split(form).join(`[secret ${name}]`);
    return out;
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return text(value);
    if (depth > 64 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), walk(v, depth + 1)]));
  };
  return <T>(value: T): T => walk(value, 0) as T;
}
