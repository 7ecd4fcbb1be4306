/**
 * Memory across requests. workerd under `wrangler dev` enforces no isolate memory limit and tells
 * JavaScript nothing of its heap (process.memoryUsage() and v8.getHeapStatistics() read 0 there), so
 * the guard measures what an isolate keeps by itself: every instrumented module registers its
 * module-level bindings (`__aidevos_held`, added by instrument.ts) and its default export
 * (`__aidevos_keep`); the guard walks what they reach, and what app code put on globalThis, counting
 * strings by length, arrays by slots, buffers by bytes, objects by keys. The walk runs at the end of
 * a request once the isolate has produced `CONFIG.memoryWalkEvery` bytes since the last one
 * (allocations the guard sees, strings built with `+`, and ticks at 8 bytes each, since every tick may
 * allocate), so it costs ordinary requests nothing. Past `CONFIG.memoryBudget` the request answers
 * 503 `memory_limit_exceeded` and the app's own module-level state is reset in place (resetOwn), in
 * the same isolate, which reuses the memory. Only if that leaves it over (state in the runtime's
 * modules) is the isolate spent: every later request is refused before any app code runs, the
 * answer carries MEMORY_RELOAD_HEADER and the host loads a fresh isolate. State a closure hides
 * from every binding is not seen (docs/security.md, "What is not enforced").
 */
export const GUARD_MEMORY = String.raw`const MEMORY_BUDGET = CONFIG.memoryBudget;
const WALK_EVERY = CONFIG.memoryWalkEvery;
const NativeSet = Set;
const setAdd = Set.prototype.add;
const setHas = Set.prototype.has;
const setForEach = Set.prototype.forEach;
const setClear = Set.prototype.clear;
const setSize = getOwnPropertyDescriptor(Set.prototype, "size").get;
const mapSize = getOwnPropertyDescriptor(Map.prototype, "size").get;
const mapClear = Map.prototype.clear;
const ownKeys = Reflect.ownKeys;
const isBufferView = ArrayBuffer.isView;
const bufferBytes = getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
const viewBytes = getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype), "byteLength").get;
const dataViewBytes = getOwnPropertyDescriptor(DataView.prototype, "byteLength").get;
const setPrototypeOf = Reflect.setPrototypeOf;
const hasOwn = Object.hasOwn;

/** An array of the guard's own: with no prototype, no setter app code plants on Array.prototype runs on writes. */
function bare() {
  const list = [];
  setPrototypeOf(list, null);
  return list;
}

/** Module-level bindings of every instrumented module: [read, clear] pairs, in load order. */
const roots = bare();
let produced = 0;
let spent = false;

/**
 * Registers a module's bindings: read() lists their values, clear(all) unsets the ones it can (or,
 * not all, drops their long strings); own: the module is the app's code, not the platform's runtime.
 */
export function __aidevos_held(read, clear, own) {
  roots[roots.length] = [read, clear, own === true];
}

/** A module's default export, which no binding names. */
export function __aidevos_keep(value) {
  roots[roots.length] = [() => [value], null, false];
  return value;
}

/**
 * A string built by + or a template literal: rope concatenation costs V8 nothing until the string
 * is read, so a doubling loop would pass every budget; no string may be longer than one allocation.
 */
export function __aidevos_str(value) {
  if (typeof value === "string") {
    const n = value.length;
    if (n > 4096) {
      produced += n;
      if (n > CONFIG.maxBytes) allocate(n, "a string of " + n + " characters built with + or a template");
    }
  }
  return value;
}

function callOr(getter, value, otherwise) {
  try {
    return apply(getter, value, []);
  } catch {
    return otherwise;
  }
}

/** What app code added to globalThis after the guard ran (filled in at the end of the guard). */
let ownGlobals = null;

/** Walks what the roots reach; stops once past limit. Returns the bytes counted and what was walked. */
function measure(limit) {
  const seen = new NativeSet();
  const stack = bare();
  let total = 0;
  const visit = (value) => {
    const type = typeof value;
    if (type === "string") {
      const n = value.length;
      if (n >= 1024) {
        if (apply(setHas, seen, [value])) return;
        apply(setAdd, seen, [value]);
      }
      total += n + 16;
      return;
    }
    if ((type !== "object" && type !== "function") || value === null) return;
    if (apply(setHas, seen, [value])) return;
    apply(setAdd, seen, [value]);
    stack[stack.length] = value;
  };
  for (let i = 0; i < roots.length; i++) {
    try {
      const values = roots[i][0]();
      for (let j = 0; j < values.length; j++) visit(values[j]);
    } catch {
      // A binding still uninitialised (a module that failed to load) holds nothing.
    }
  }
  const globalKeys = ownKeys(globalThis);
  for (let i = 0; i < globalKeys.length; i++) {
    if (ownGlobals !== null && apply(setHas, ownGlobals, [globalKeys[i]])) continue;
    const d = getOwnPropertyDescriptor(globalThis, globalKeys[i]);
    if (d !== undefined && hasOwn(d, "value")) visit(d.value);
  }
  while (stack.length > 0 && total <= limit) {
    const value = stack[stack.length - 1];
    stack.length -= 1;
    total += 32;
    try {
      if (isBufferView(value)) {
        total += callOr(viewBytes, value, 0) || callOr(dataViewBytes, value, 0);
        continue;
      }
      const buffer = callOr(bufferBytes, value, -1);
      if (buffer >= 0) {
        total += buffer;
        continue;
      }
      if (callOr(mapSize, value, -1) >= 0) {
        apply(mapForEach, value, [
          (v, k) => {
            total += 16;
            visit(k);
            visit(v);
          },
        ]);
      } else if (callOr(setSize, value, -1) >= 0) {
        apply(setForEach, value, [
          (v) => {
            total += 8;
            visit(v);
          },
        ]);
      } else if (isArray(value)) {
        const n = lengthOf(value);
        total += n * 8;
        for (let i = 0; i < n && total <= limit; i++) visit(value[i]);
        continue;
      }
      const keys = ownKeys(value);
      total += keys.length * 16;
      for (let i = 0; i < keys.length && total <= limit; i++) {
        const d = getOwnPropertyDescriptor(value, keys[i]);
        if (d !== undefined && hasOwn(d, "value")) visit(d.value);
      }
    } catch {
      // A proxy whose traps throw (or a request's ended budget stopping them) hides what it holds.
    }
  }
  return { total, seen };
}

const ObjectProto = Object.prototype;
const isFrozen = Object.isFrozen;

/**
 * Resets the app's own module-level state in place: every array, map and set, and every plain
 * object's keys, reachable from the app code's bindings are emptied, and its bindings holding long
 * strings dropped. The isolate then reuses that memory as it allocates again (workerd keeps a loaded
 * isolate whether or not anyone uses it, so loading a fresh one frees nothing: measured).
 */
function resetOwn() {
  const seen = new NativeSet();
  const stack = bare();
  const push = (value) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
    if (apply(setHas, seen, [value])) return;
    apply(setAdd, seen, [value]);
    stack[stack.length] = value;
  };
  for (let i = 0; i < roots.length; i++) {
    if (!roots[i][2]) continue;
    try {
      const values = roots[i][0]();
      for (let j = 0; j < values.length; j++) push(values[j]);
      if (roots[i][1] !== null) roots[i][1](false);
    } catch {}
  }
  while (stack.length > 0) {
    const value = stack[stack.length - 1];
    stack.length -= 1;
    try {
      if (isBufferView(value) || callOr(bufferBytes, value, -1) >= 0) continue;
      if (callOr(mapSize, value, -1) >= 0) {
        apply(mapForEach, value, [(v, k) => (push(k), push(v))]);
        apply(mapClear, value, []);
        continue;
      }
      if (callOr(setSize, value, -1) >= 0) {
        apply(setForEach, value, [(v) => push(v)]);
        apply(setClear, value, []);
        continue;
      }
      if (isArray(value)) {
        const n = lengthOf(value);
        for (let i = 0; i < n; i++) push(value[i]);
        if (!isFrozen(value)) value.length = 0;
        continue;
      }
      const keys = ownKeys(value);
      const plain = typeof value === "object" && (getPrototypeOf(value) === ObjectProto || getPrototypeOf(value) === null);
      for (let i = 0; i < keys.length; i++) {
        const d = getOwnPropertyDescriptor(value, keys[i]);
        if (d === undefined || !hasOwn(d, "value")) continue;
        push(d.value);
        if (plain && d.configurable) delete value[keys[i]];
      }
    } catch {
      // A frozen or exotic object keeps what it holds; the measure after the reset sees it.
    }
  }
}

/** Empties what the walk reached, so a spent isolate frees what it can whether or not workerd drops it. */
function release(seen) {
  for (let i = 0; i < roots.length; i++) {
    try {
      if (roots[i][1] !== null) roots[i][1](true);
    } catch {}
  }
  apply(setForEach, seen, [
    (value) => {
      if (typeof value !== "object" || value === null) return;
      try {
        if (isArray(value)) value.length = 0;
        else if (callOr(mapSize, value, -1) >= 0) apply(mapClear, value, []);
        else if (callOr(setSize, value, -1) >= 0) apply(setClear, value, []);
      } catch {}
    },
  ]);
  apply(setClear, seen, []);
}

/**
 * Called by our entry when a request (or an alarm, a frame) ends: 0 when the isolate is within its
 * budget; 1 when it was over and the app's own state was reset in place (the request answers 503
 * memory_limit_exceeded); 2 when even the reset left it over, or it was spent before: the isolate is
 * spent, and the answer also tells the host to load a fresh one.
 */
export function __aidevos_memorySpent() {
  if (spent) return 2;
  if (!(MEMORY_BUDGET > 0)) return 0;
  if (produced < WALK_EVERY) return 0;
  produced = 0;
  if (measure(MEMORY_BUDGET).total <= MEMORY_BUDGET) return 0;
  resetOwn();
  const after = measure(MEMORY_BUDGET);
  if (after.total <= MEMORY_BUDGET) return 1;
  spent = true;
  release(after.seen);
  return 2;
}

/** Whether the isolate is spent, without measuring: a spent isolate runs no more app code. */
export function __aidevos_isSpent() {
  return spent;
}
`;

/** Runs last in the guard: everything on globalThis by then is the platform's or the guard's own. */
export const GUARD_MEMORY_END = String.raw`ownGlobals = new NativeSet(ownKeys(globalThis));
`;
