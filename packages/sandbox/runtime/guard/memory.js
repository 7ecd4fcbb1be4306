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
const MEMORY_BUDGET = CONFIG.memoryBudget;
const WALK_EVERY = CONFIG.memoryWalkEvery;
/**
 * What V8 spends for an isolate beyond the state the walk counts, taken off the budget: measured
 * against wrangler dev (bench/memory.run.ts), an isolate keeping 16 MiB strings grew workerd's
 * resident memory by the strings plus about 35 MiB from the second string on (its young generation
 * grows to its maximum when what it allocates survives), and the host serving it grows too. At
 * most half the budget, so a small budget (tests) still holds something.
 */
const HEAP_RESERVE = 48 * 1024 * 1024;
const STATE_BUDGET = MEMORY_BUDGET - (HEAP_RESERVE < MEMORY_BUDGET / 2 ? HEAP_RESERVE : floor(MEMORY_BUDGET / 2));
/**
 * Objects the walk looks at before it takes the state to be over its budget whatever it counted:
 * each costs it a few native brand checks (which throw for a plain object), so this bounds its CPU.
 */
const WALK_NODES = 200000;
/** Objects walked between two yields to the event loop, so a long walk never holds other isolates' requests. */
const WALK_SLICE = 8192;
const walkSetTimeout = setTimeout;
const WalkPromise = Promise;
const MapProto = Map.prototype;
const SetProto = Set.prototype;
const BufferProto = ArrayBuffer.prototype;
/** Objects whose prototype chain claims a map, a set or a buffer but that are none: past this many in a walk, over budget. */
const WALK_FAKES = 10000;
const WalkArrayBuffer = ArrayBuffer;

/**
 * Makes V8 collect this isolate's garbage now, which JavaScript cannot ask for directly: an
 * ArrayBuffer no allocator can give makes V8 run full collections (external memory pressure) before
 * it gives up with a RangeError. Without it, what a reset released waits for V8's own next full
 * collection, which buffers (memory outside V8's heap, as TextEncoder's output) do not hasten:
 * measured, two apps keeping TextEncoder output past their budget grew workerd by 686 MiB.
 */
function collect() {
  try {
    construct(WalkArrayBuffer, [2 ** 52]);
  } catch {
    // Refused, as intended, after the collections.
  }
}
const WalkError = Error;
/** V8 keeps a string whose characters all fit in Latin-1 at one byte each, any other at two. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range of one-byte characters starts at \u0000.
const WIDE = /[^\u0000-\u00ff]/;
const nativeExec = RegExp.prototype.exec;
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
const deleteProperty = Reflect.deleteProperty;
/**
 * `fn` as a function taking its receiver first (`call.bind(fn)`): the walk calls natives once or
 * twice an object, and `apply(fn, self, [arg])` would allocate an arguments array each time, garbage
 * that grows V8's young generation, and so workerd's resident memory, with the objects walked.
 */
const uncurry = (fn) => apply(Function.prototype.bind, Function.prototype.call, [fn]);
const seenHas = uncurry(Set.prototype.has);
const seenAdd = uncurry(Set.prototype.add);
// Annex B's, which TypeScript's lib does not declare.
const ownGetter = uncurry(getOwnPropertyDescriptor(Object.prototype, "__lookupGetter__").value);
const ownSetter = uncurry(getOwnPropertyDescriptor(Object.prototype, "__lookupSetter__").value);
/** What ownValue answers for a key that is an accessor: its getter is never run. */
const ACCESSOR = freeze(create(null));

/**
 * The value of `value`'s own key `key` when it is a data property, else ACCESSOR. No descriptor
 * object is made (one a key was most of what the walk allocated over 256 Ki small objects): the
 * lookups find the own property first and answer its getter or setter, undefined for a data
 * property, whose value is then read directly (a proxy's traps run, as they did for a descriptor).
 */
function ownValue(value, key) {
  if (ownGetter(value, key) !== undefined || ownSetter(value, key) !== undefined) return ACCESSOR;
  return value[key];
}

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
function __aidevos_held(read, clear, own) {
  roots[roots.length] = [read, clear, own === true];
}

/** A module's default export, which no binding names. */
function __aidevos_keep(value) {
  roots[roots.length] = [() => [value], null, false];
  return value;
}

/**
 * A string built by + or a template literal: rope concatenation costs V8 nothing until the string
 * is read, so a doubling loop would pass every budget; no string may be longer than one allocation.
 */
function __aidevos_str(value) {
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

/** What V8 spends on a string: a header, and one byte a character or two (a flattened rope included). */
function stringBytes(value) {
  const n = value.length;
  // A short string is taken to be two-byte rather than looked at: the look would cost more than it saves.
  if (n < 256) return 16 + n * 2;
  return 16 + (apply(nativeExec, WIDE, [value]) === null ? n : n * 2);
}

/** Brand checks throw for a plain object, and a thrown error's stack is most of their cost. */
function withoutStacks(body) {
  const d = getOwnPropertyDescriptor(WalkError, "stackTraceLimit");
  const settable = d !== undefined && hasOwn(d, "value") && d.writable;
  if (settable) WalkError.stackTraceLimit = 0;
  try {
    return body();
  } finally {
    if (settable) WalkError.stackTraceLimit = d.value;
  }
}

/**
 * What an object's prototype chain says it is: 1 a map, 2 a set, 3 an ArrayBuffer, 0 none of them.
 * Read from the chain, not by brand checks, which throw for every other object (and a throw costs
 * tens of microseconds under wrangler dev, whose inspector sees each one): a map, set or buffer whose
 * chain no longer holds its prototype is not seen (docs/security.md, "What is not enforced").
 */
function claimed(value) {
  if (typeof value === "function") return 0;
  let p = getPrototypeOf(value);
  for (let depth = 0; p !== null && depth < 32; depth++) {
    if (p === ObjectProto) return 0;
    if (p === MapProto) return 1;
    if (p === SetProto) return 2;
    if (p === BufferProto) return 3;
    p = getPrototypeOf(p);
  }
  return 0;
}

const yieldToLoop = () => new WalkPromise((resolve) => apply(walkSetTimeout, globalThis, [resolve, 0]));

/**
 * Walks what the roots reach; stops once past limit (or past WALK_NODES objects, counted as over it).
 * Every WALK_SLICE objects it yields to the event loop: workerd runs every isolate on one thread.
 * Returns the bytes counted and what was walked.
 */
async function measure(limit) {
  const seen = new NativeSet();
  const stack = bare();
  let total = 0;
  let nodes = 0;
  let fakes = 0;
  const visit = (value) => {
    const type = typeof value;
    if (type === "string") {
      if (value.length >= 1024) {
        if (seenHas(seen, value)) return;
        seenAdd(seen, value);
      }
      total += stringBytes(value);
      return;
    }
    if ((type !== "object" && type !== "function") || value === null) return;
    if (seenHas(seen, value)) return;
    seenAdd(seen, value);
    // Counted when found, not when walked: an array of millions of objects stops at the limit.
    total += 32;
    nodes += 1;
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
  const step = () => {
    const value = stack[stack.length - 1];
    stack.length -= 1;
    try {
      // Arrays first: most of what state holds, and the one check that never throws.
      if (isArray(value)) {
        const n = lengthOf(value);
        total += n * 8;
        for (let i = 0; i < n && total <= limit && nodes < WALK_NODES; i++) visit(value[i]);
        return;
      }
      if (isBufferView(value)) {
        total += callOr(viewBytes, value, 0) || callOr(dataViewBytes, value, 0);
        return;
      }
      const kind = claimed(value);
      if (kind === 3) {
        const buffer = callOr(bufferBytes, value, -1);
        if (buffer >= 0) {
          total += buffer;
          return;
        }
        fakes += 1;
      } else if (kind === 1 && callOr(mapSize, value, -1) >= 0) {
        apply(mapForEach, value, [
          (v, k) => {
            total += 16;
            visit(k);
            visit(v);
          },
        ]);
      } else if (kind === 2 && callOr(setSize, value, -1) >= 0) {
        apply(setForEach, value, [
          (v) => {
            total += 8;
            visit(v);
          },
        ]);
      } else if (kind !== 0) fakes += 1;
      const keys = ownKeys(value);
      total += keys.length * 16;
      for (let i = 0; i < keys.length && total <= limit; i++) {
        const v = ownValue(value, keys[i]);
        if (v !== ACCESSOR) visit(v);
      }
    } catch {
      // A proxy whose traps throw (or a request's ended budget stopping them) hides what it holds.
    }
  };
  const going = () => stack.length > 0 && total <= limit && nodes < WALK_NODES && fakes < WALK_FAKES;
  while (going()) {
    withoutStacks(() => {
      for (let i = 0; i < WALK_SLICE && going(); i++) step();
    });
    if (going()) await yieldToLoop();
  }
  return { total: nodes >= WALK_NODES || fakes >= WALK_FAKES ? limit + 1 : total, seen };
}

const ObjectProto = Object.prototype;
const isFrozen = Object.isFrozen;

/**
 * Resets the app's own module-level state in place: every array, map and set, and every plain
 * object's keys, reachable from the app code's bindings are emptied, and its bindings holding long
 * strings dropped. The isolate then reuses that memory as it allocates again (workerd keeps a loaded
 * isolate whether or not anyone uses it, so loading a fresh one frees nothing: measured).
 * Not `deep` (tried first): only what the bindings hold themselves is emptied, so what that held is
 * out of their reach unless something else the walk sees holds it, which the measure after it finds
 * (and then the deep reset runs). That spares touching every object the state holds: measured
 * against wrangler dev, a deep reset of 256 Ki small objects in an array took 0.8 s and its request
 * peaked 70 MiB above the state, the shallow one 0.15 s and 15 MiB.
 */
async function resetOwn(deep) {
  const seen = new NativeSet();
  const stack = bare();
  let nodes = 0;
  const push = (value) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
    if (nodes >= WALK_NODES || seenHas(seen, value)) return;
    seenAdd(seen, value);
    nodes += 1;
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
  // Depth first, each container emptied as it is reached: the bindings' own first, so what is
  // past WALK_NODES is already out of reach.
  const descend = deep ? push : () => {};
  const step = () => {
    const value = stack[stack.length - 1];
    stack.length -= 1;
    try {
      if (isArray(value)) {
        const n = lengthOf(value);
        if (deep) for (let i = 0; i < n; i++) push(value[i]);
        if (!isFrozen(value)) value.length = 0;
        return;
      }
      if (isBufferView(value)) return;
      const kind = claimed(value);
      if (kind === 3 && callOr(bufferBytes, value, -1) >= 0) return;
      if (kind === 1 && callOr(mapSize, value, -1) >= 0) {
        apply(mapForEach, value, [
          (v, k) => {
            descend(k);
            descend(v);
          },
        ]);
        apply(mapClear, value, []);
        return;
      }
      if (kind === 2 && callOr(setSize, value, -1) >= 0) {
        apply(setForEach, value, [(v) => descend(v)]);
        apply(setClear, value, []);
        return;
      }
      const plain =
        typeof value === "object" && (getPrototypeOf(value) === ObjectProto || getPrototypeOf(value) === null);
      if (!plain && !deep) return;
      const keys = ownKeys(value);
      // Last key first: V8 deletes an object's last-added property by stepping back its shape, any
      // other by turning the object into a dictionary (measured: 60 MiB more for 256 Ki {i, n}).
      for (let i = keys.length - 1; i >= 0; i--) {
        const v = ownValue(value, keys[i]);
        if (v === ACCESSOR) continue;
        descend(v);
        // A non-configurable key stays (deleteProperty answers false rather than throwing).
        if (plain) deleteProperty(value, keys[i]);
      }
    } catch {
      // A frozen or exotic object keeps what it holds; the measure after the reset sees it.
    }
  };
  while (stack.length > 0) {
    withoutStacks(() => {
      for (let i = 0; i < WALK_SLICE && stack.length > 0; i++) step();
    });
    if (stack.length > 0) await yieldToLoop();
  }
}

/** Empties what the walk reached, so a spent isolate frees what it can whether or not workerd drops it. */
function release(seen) {
  for (let i = 0; i < roots.length; i++) {
    try {
      if (roots[i][1] !== null) roots[i][1](true);
    } catch {}
  }
  withoutStacks(() =>
    apply(setForEach, seen, [
      (value) => {
        if (typeof value !== "object" || value === null) return;
        try {
          if (isArray(value)) value.length = 0;
          else if (claimed(value) === 1 && callOr(mapSize, value, -1) >= 0) apply(mapClear, value, []);
          else if (claimed(value) === 2 && callOr(setSize, value, -1) >= 0) apply(setClear, value, []);
        } catch {}
      },
    ]),
  );
  apply(setClear, seen, []);
}

/** A walk under way: a request ending meanwhile does not start another. */
let walking = false;

/**
 * Called (and awaited) by our entry when a request (or an alarm, a frame) ends: 0 when the isolate is
 * within its budget; 1 when it was over and the app's own state was reset in place (the request
 * answers 503 memory_limit_exceeded); 2 when even the reset left it over, or it was spent before: the
 * isolate is spent, and the answer also tells the host to load a fresh one. What is counted against
 * the budget is what the walk finds plus HEAP_RESERVE.
 */
async function __aidevos_memorySpent() {
  if (spent) return 2;
  if (!(MEMORY_BUDGET > 0)) return 0;
  if (produced < WALK_EVERY || walking) return 0;
  produced = 0;
  walking = true;
  try {
    if ((await measure(STATE_BUDGET)).total <= STATE_BUDGET) return 0;
    await resetOwn(false);
    let after = await measure(STATE_BUDGET);
    if (after.total > STATE_BUDGET) {
      await resetOwn(true);
      after = await measure(STATE_BUDGET);
    }
    if (after.total <= STATE_BUDGET) {
      collect();
      return 1;
    }
    spent = true;
    release(after.seen);
    collect();
    return 2;
  } finally {
    walking = false;
  }
}

/** Whether the isolate is spent, without measuring: a spent isolate runs no more app code. */
function __aidevos_isSpent() {
  return spent;
}
