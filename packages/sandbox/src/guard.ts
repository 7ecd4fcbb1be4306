/** The module every instrumented module imports. Its name starts with `__aidevos`, which generated code may not mention. */
export const GUARD_MODULE = "__aidevos_guard.js";
export const TICK = "__aidevos_tick";

/** Guard ticks allowed per invocation before the code is taken to be spinning. */
export const DEFAULT_BUDGET_TICKS = 5_000_000;

/**
 * Time does not advance inside Workers while code runs synchronously, so a deadline cannot see a
 * spin; the guard counts ticks instead. Once over budget it stays tripped, so a try/catch inside
 * the loop cannot swallow it, until our entry resets it for the next invocation.
 */
export const GUARD_SOURCE = `let ticks = 0;
let budget = ${DEFAULT_BUDGET_TICKS};
let tripped = false;
export class SandboxLimitError extends Error {}
export function ${TICK}() {
  if (tripped || ++ticks > budget) {
    tripped = true;
    throw new SandboxLimitError("sandbox: CPU budget exceeded (an endless loop or runaway recursion?)");
  }
}
export function __aidevos_reset(limit) {
  ticks = 0;
  tripped = false;
  if (limit) budget = limit;
}
export function __aidevos_tripped() {
  return tripped;
}
`;

/** The import path of the guard from a module at `file` (modules may sit in folders). */
export function guardImportPath(file: string): string {
  const depth = file.split("/").length - 1;
  return `${depth === 0 ? "./" : "../".repeat(depth)}${GUARD_MODULE}`;
}
