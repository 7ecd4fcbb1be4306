import type { Entity, Field } from "../appspec/schema";
import type { ContractChange } from "./diff";

/**
 * The contract diff of AppSpec v3 data (docs/appspec.md, "What gates a deploy"): narrowing a json or
 * file field's `maxBytes`, an array's `maxItems` or its items, or a file's `contentTypes` is breaking,
 * as is removing a field from `search`; widening them is not.
 */

type Sink = (change: Omit<ContractChange, "message"> & { message?: string }) => void;
type CompareField = (at: string, before: Field, after: Field, add: Sink) => void;

const DEFAULT_MAX: Partial<Record<Field["type"], Record<string, number>>> = {
  json: { maxBytes: 65_536 },
  array: { maxItems: 100 },
  file: { maxBytes: 10 * 1024 * 1024 },
};

/** The v3 field limits and items of two versions of one field (same type). */
export function compareDataField(at: string, before: Field, after: Field, add: Sink, compareField: CompareField): void {
  const defaults = DEFAULT_MAX[after.type];
  if (!defaults || before.type !== after.type) return;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const [bound, fallback] of Object.entries(defaults)) {
    const was = (b[bound] as number | undefined) ?? fallback;
    const now = (a[bound] as number | undefined) ?? fallback;
    if (was === now) continue;
    add({
      change: now < was ? "tightened" : "loosened",
      subject: "constraint",
      at: `${at}.${bound}`,
      message: `${bound} ${was} → ${now}`,
      breaking: now < was,
    });
  }
  if (before.type === "array" && after.type === "array")
    compareField(`${at}.items`, before.items as Field, after.items as Field, add);
  if (before.type === "file" && after.type === "file") {
    const was = before.contentTypes;
    const now = after.contentTypes;
    const covers = (list: string[] | undefined, type: string) =>
      list === undefined ||
      list.some((r) => r === type || (r.endsWith("/*") && (type.startsWith(r.slice(0, -1)) || type === r)));
    const lost = now === undefined ? [] : (was ?? ["*/*"]).filter((t) => !covers(now, t));
    const gained = now === undefined ? (was === undefined ? [] : ["any type"]) : now.filter((t) => !covers(was, t));
    if (lost.length)
      add({
        change: "tightened",
        subject: "constraint",
        at: `${at}.contentTypes`,
        message: `no longer takes ${lost.join(", ")}`,
        breaking: true,
      });
    if (gained.length)
      add({
        change: "loosened",
        subject: "constraint",
        at: `${at}.contentTypes`,
        message: `now takes ${gained.join(", ")}`,
        breaking: false,
      });
  }
}

/** Fields added to or removed from an entity's `search`. */
export function compareSearch(before: Entity, after: Entity, add: Sink): void {
  const at = `${after.plural}.search`;
  const was = before.search ?? [];
  const now = after.search ?? [];
  for (const name of was)
    if (!now.includes(name))
      add({ change: "removed", subject: "search", at, message: `${name} no longer searched`, breaking: true });
  for (const name of now)
    if (!was.includes(name))
      add({ change: "added", subject: "search", at, message: `${name} now searched`, breaking: false });
}
