/**
 * The guard module that runs inside every sandboxed Worker (loaded locally and uploaded to
 * Cloudflare), as source text. `/*CONFIG*\/ {}` is replaced with the limits by guardSource().
 *
 * Why each part exists:
 * - Time does not advance inside Workers while code runs synchronously, so a deadline cannot see a
 *   spin: instrumented code calls __aidevos_tick() in every loop and function body, and the guard
 *   counts. Once over budget a request stays tripped, so a try/catch cannot swallow the limit.
 * - Budgets are per request: the count lives in an AsyncLocalStorage store that follows the
 *   request across awaits, so concurrent requests neither refill nor trip each other.
 * - workerd refuses eval/new Function/Wasm compilation during requests but allows them at module
 *   load, and such code would run without ticks: this module is evaluated before any generated
 *   module (each imports it first) and replaces every way in with a function that throws.
 * - Native bulk work (Array.from({length: 1e9}), sort, join, repeat, new ArrayBuffer(2 ** 31), ...)
 *   runs no user code per element, so ticks never see it: the built-ins are wrapped to charge
 *   ticks in proportion to the work and to refuse single allocations over the memory limit.
 * - Outbound network: fetch() and WebSocket clients are refused with `outbound_blocked` unless the
 *   origin is allow-listed (locally the loader also sets globalOutbound: null).
 */
export const GUARD_RUNTIME = String.raw`import { AsyncLocalStorage } from "node:async_hooks";

const CONFIG = /*CONFIG*/ {};
const { apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
const { create, freeze } = Object;
const NativeProxy = Proxy;
const NativeArray = Array;
const isArray = Array.isArray;
const floor = Math.floor;
const log2 = Math.log2;
const ceil = Math.ceil;
const toNumber = Number;
const toText = String;
const MAX_SAFE = 9007199254740991;

export class SandboxLimitError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "SandboxLimitError";
    this.kind = kind;
  }
}

// ---- per-request budgets -------------------------------------------------------------------

const requests = new AsyncLocalStorage();
/** Module load and anything else that runs outside a request; never refilled. */
const loading = { ticks: 0, budget: CONFIG.loadBudget, tripped: null };

function trip(state, kind, message) {
  if (state.tripped === null) state.tripped = { kind, message };
  state.budget = -1;
  every = 1;
  throw new SandboxLimitError(state.tripped.kind, state.tripped.message);
}

function over(state) {
  trip(state, "cpu", "sandbox: CPU budget exceeded (an endless loop, runaway recursion or too much native work?)");
}

// Reading the store costs about 40x a counter increment, so ticks are counted here and charged to
// the current request every CHECK_EVERY ticks. At most that many ticks land on the wrong request
// at an await; none are ever refilled. While a tripped request runs, every tick is checked, so a
// try/catch around a loop inside another loop cannot outrun the limit.
const CHECK_EVERY = 256;
let pending = 0;
let every = CHECK_EVERY;

function flush() {
  const state = requests.getStore() ?? loading;
  state.ticks += pending;
  pending = 0;
  if (state.ticks > state.budget) over(state);
  every = CHECK_EVERY;
}

export function __aidevos_tick() {
  if (++pending >= every) flush();
}

/** Work already known to be this large: checked before it is done once it reaches a check's worth. */
function charge(work) {
  pending += work;
  if (pending >= every) flush();
}

/** A single allocation of about this many bytes: refused over the limit, else charged like work. */
function allocate(bytes, what) {
  if (bytes > CONFIG.maxBytes) {
    trip(
      requests.getStore() ?? loading,
      "memory",
      "sandbox: memory limit exceeded: " + what + " would take about " + bytes + " bytes, over the limit of " + CONFIG.maxBytes + " per allocation",
    );
  }
  if (bytes > 0) charge(floor(bytes / 16));
}

/**
 * Runs body with a fresh budget, or inside the current request's budget when there is one (so
 * calling this again from generated code gains nothing). body receives a read-only probe.
 */
export function __aidevos_within(budget, body) {
  const outer = requests.getStore();
  if (outer !== undefined) return body(probeOf(outer));
  const state = { ticks: 0, budget: typeof budget === "number" && budget > 0 ? budget : CONFIG.loadBudget, tripped: null };
  return requests.run(state, () => body(probeOf(state)));
}

function probeOf(state) {
  return freeze({ tripped: () => (state.tripped === null ? null : freeze({ kind: state.tripped.kind, message: state.tripped.message })) });
}

/** Wraps every dynamic import(): only the bundle's own modules, never the sandbox's own. */
export function __aidevos_specifier(specifier) {
  const name = toText(specifier);
  if ((name.startsWith("./") || name.startsWith("../")) && !name.includes("__aidevos")) return name;
  throw new TypeError("sandbox: import(" + JSON.stringify(name) + ") is refused: generated code may import only the bundle's own modules");
}

// ---- code built from strings --------------------------------------------------------------

function refuser(what) {
  return function refused() {
    throw new EvalError("sandbox: code built from strings is refused (" + what + "): it would run without the sandbox's guards");
  };
}

function pin(target, key, value) {
  defineProperty(target, key, { value, writable: false, enumerable: false, configurable: false });
}

const FUNCTION_PROTOTYPES = [
  [getPrototypeOf(function () {}), "the Function constructor"],
  [getPrototypeOf(async function () {}), "the AsyncFunction constructor"],
  [getPrototypeOf(function* () {}), "the GeneratorFunction constructor"],
  [getPrototypeOf(async function* () {}), "the AsyncGeneratorFunction constructor"],
];
for (const [prototype, what] of FUNCTION_PROTOTYPES) {
  const refused = refuser(what);
  // instanceof keeps working: the stand-in shares the real prototype.
  refused.prototype = prototype;
  pin(prototype, "constructor", refused);
}
pin(globalThis, "Function", FUNCTION_PROTOTYPES[0][0].constructor);
pin(globalThis, "eval", refuser("eval"));

const wasm = globalThis.WebAssembly;
if (wasm) {
  for (const key of ["compile", "compileStreaming", "instantiate", "instantiateStreaming", "Module", "Instance", "Memory", "Table", "Global", "Tag", "Exception"]) {
    if (key in wasm) {
      pin(wasm, key, function refused() {
        throw new EvalError("sandbox: WebAssembly." + key + " is refused: compiled code would run without the sandbox's guards");
      });
    }
  }
  freeze(wasm);
  pin(globalThis, "WebAssembly", wasm);
}

// ---- outbound network ---------------------------------------------------------------------

const platformFetch = globalThis.fetch;
const NativeRequest = Request;
const NativeURL = URL;
const OUTBOUND = CONFIG.outbound;

function outboundBlocked(what) {
  const error = new TypeError("outbound_blocked: " + what + " is refused: generated apps have no network access");
  error.code = "outbound_blocked";
  return error;
}

function allowed(origin) {
  for (let i = 0; i < OUTBOUND.length; i++) if (OUTBOUND[i] === origin) return true;
  return false;
}

function fetch(input, init) {
  let request;
  try {
    // One Request, read once: what is checked is what would be sent.
    request = new NativeRequest(input, init);
  } catch (error) {
    return Promise.reject(error);
  }
  const origin = new NativeURL(request.url).origin;
  if (allowed(origin)) return apply(platformFetch, globalThis, [request]);
  return Promise.reject(outboundBlocked("fetch to " + origin));
}
pin(globalThis, "fetch", fetch);

for (const key of ["WebSocket", "EventSource"]) {
  const Native = globalThis[key];
  if (typeof Native !== "function") continue;
  pin(globalThis, key, new NativeProxy(Native, {
    construct(target, args) {
      throw outboundBlocked("a " + key + " client connection to " + toText(args[0]));
    },
  }));
}

// ---- native bulk work ---------------------------------------------------------------------

const textOf = (self) => (typeof self === "string" ? self : toText(self));

function lengthOf(value) {
  if (value === null || value === undefined) return 0;
  const n = toNumber(value.length);
  return n > 0 ? (n < MAX_SAFE ? floor(n) : MAX_SAFE) : 0;
}

function meter(target, key, cost) {
  const original = target[key];
  if (typeof original !== "function") return;
  const metered = {
    [key](...args) {
      cost(this, args);
      return apply(original, this, args);
    },
  }[key];
  defineProperty(metered, "length", { value: original.length });
  defineProperty(target, key, { value: metered, writable: true, enumerable: false, configurable: true });
}

const linear = (self) => charge(lengthOf(self));
const producing = (self) => {
  const n = lengthOf(self);
  allocate(n * 8, "an array of " + n + " elements");
  charge(n);
};
const sorting = (self) => {
  const n = lengthOf(self);
  allocate(n * 8, "an array of " + n + " elements");
  charge(n * ceil(log2(n + 2)));
};
function nestedLength(value, depth) {
  let total = lengthOf(value);
  charge(total);
  if (depth > 0 && isArray(value)) {
    for (let i = 0; i < value.length; i++) if (isArray(value[i])) total += nestedLength(value[i], depth - 1);
  }
  return total;
}

const ArrayPrototype = NativeArray.prototype;
for (const key of ["every", "filter", "find", "findIndex", "findLast", "findLastIndex", "forEach", "includes", "indexOf", "lastIndexOf", "reduce", "reduceRight", "some", "toLocaleString"]) {
  meter(ArrayPrototype, key, linear);
}
/** join (and toString, which calls it) builds one string: its size is known before it is built. */
function joined(self, args) {
  const n = lengthOf(self);
  charge(n);
  if (!isArray(self) || n === 0) return;
  const separator = args[0] === undefined ? 1 : textOf(args[0]).length;
  let size = separator * (n - 1);
  for (let i = 0; i < n; i++) {
    const item = self[i];
    size += typeof item === "string" ? item.length : 8;
  }
  allocate(size, "a string of " + size + " characters");
}
meter(ArrayPrototype, "join", joined);
for (const key of ["copyWithin", "fill", "map", "reverse", "shift", "slice", "splice", "toReversed", "toSpliced", "unshift", "with"]) {
  meter(ArrayPrototype, key, producing);
}
for (const key of ["sort", "toSorted"]) meter(ArrayPrototype, key, sorting);
meter(ArrayPrototype, "concat", (self, args) => {
  let n = lengthOf(self);
  for (let i = 0; i < args.length; i++) if (isArray(args[i])) n += lengthOf(args[i]);
  allocate(n * 8, "an array of " + n + " elements");
  charge(n);
});
meter(ArrayPrototype, "flat", (self, args) => {
  const depth = args[0] === undefined ? 1 : toNumber(args[0]);
  const n = nestedLength(self, depth > 64 ? 64 : depth);
  allocate(n * 8, "an array of " + n + " elements");
});
meter(ArrayPrototype, "flatMap", producing);

// Every native iteration over an array or typed array (spread, for-of, destructuring, Array.from,
// new Set(array)...) steps through this next(): one tick per element.
const ArrayIteratorPrototype = getPrototypeOf([][Symbol.iterator]());
meter(ArrayIteratorPrototype, "next", __aidevos_tick);
const StringIteratorPrototype = getPrototypeOf(""[Symbol.iterator]());
meter(StringIteratorPrototype, "next", __aidevos_tick);

function sizeArrayLike(items, what) {
  // Read the length once and hand the native code that same length (a getter cannot change it).
  const n = lengthOf(items);
  allocate(n * 8, what + " of " + n + " elements");
  charge(n);
  return create(items, { length: { value: n } });
}

const arrayFrom = NativeArray.from;
defineProperty(NativeArray, "from", {
  value: function from(items, ...rest) {
    if (items !== null && items !== undefined && typeof items[Symbol.iterator] !== "function" && typeof items === "object") {
      return apply(arrayFrom, this, [sizeArrayLike(items, "an array"), ...rest]);
    }
    return apply(arrayFrom, this, [items, ...rest]);
  },
  writable: true,
  enumerable: false,
  configurable: true,
});

function sizedConstructor(Native, check) {
  const proxy = new NativeProxy(Native, {
    apply(target, self, args) {
      check(args);
      return apply(target, self, args);
    },
    construct(target, args, newTarget) {
      check(args);
      return construct(target, args, newTarget === proxy ? target : newTarget);
    },
  });
  // Species lookups (slice, subarray...) also come through the checked constructor.
  defineProperty(Native.prototype, "constructor", { value: proxy, writable: true, enumerable: false, configurable: true });
  defineProperty(globalThis, Native.name, { value: proxy, writable: true, enumerable: false, configurable: true });
  return proxy;
}

// The Array constructor itself stays the intrinsic ([].constructor === Array): new Array(n)
// preallocates only small arrays (V8 makes large ones sparse), and every method that fills,
// copies or walks an array is metered above.

const NativeArrayBuffer = ArrayBuffer;
const isView = ArrayBuffer.isView;
function byteCount(value) {
  const n = toNumber(value);
  return n > 0 ? n : 0;
}
sizedConstructor(NativeArrayBuffer, (args) => {
  allocate(byteCount(args[0]), "an ArrayBuffer");
  const options = args[1];
  if (options !== null && typeof options === "object") {
    const max = options.maxByteLength;
    allocate(byteCount(max), "a resizable ArrayBuffer");
    args[1] = { maxByteLength: max };
  }
});
const ArrayBufferPrototype = NativeArrayBuffer.prototype;
meter(ArrayBufferPrototype, "resize", (self, args) => allocate(byteCount(args[0]), "an ArrayBuffer"));
for (const key of ["transfer", "transferToFixedLength"]) {
  meter(ArrayBufferPrototype, key, (self, args) => {
    if (args[0] !== undefined) allocate(byteCount(args[0]), "an ArrayBuffer");
  });
}

const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
const typedLengthGetter = getOwnPropertyDescriptor(TypedArrayPrototype, "length").get;
const typedLength = (self) => {
  try {
    return apply(typedLengthGetter, self, []);
  } catch {
    return 0;
  }
};
for (const key of ["copyWithin", "fill", "includes", "indexOf", "join", "lastIndexOf", "reverse", "slice", "toLocaleString", "toReversed", "with"]) {
  meter(TypedArrayPrototype, key, (self) => charge(typedLength(self)));
}
for (const key of ["sort", "toSorted"]) {
  meter(TypedArrayPrototype, key, (self) => {
    const n = typedLength(self);
    charge(n * ceil(log2(n + 2)));
  });
}
meter(TypedArrayPrototype, "set", (self, args) => charge(lengthOf(args[0])));

for (const name of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]) {
  const Native = globalThis[name];
  if (typeof Native !== "function") continue;
  const size = Native.BYTES_PER_ELEMENT;
  sizedConstructor(Native, (args) => {
    const first = args[0];
    if (typeof first === "number") allocate(first * size, "a " + name + " of " + first + " elements");
    else if (isView(first)) allocate(lengthOf(first) * size, "a " + name);
    else if (first !== null && typeof first === "object" && !(first instanceof NativeArrayBuffer) && typeof first[Symbol.iterator] !== "function") {
      const n = lengthOf(first);
      allocate(n * size, "a " + name + " of " + n + " elements");
      charge(n);
      args[0] = create(first, { length: { value: n } });
    }
  });
}

// Blob and File copy their parts: many references to one large buffer would multiply it.
for (const name of ["Blob", "File"]) {
  const Native = globalThis[name];
  if (typeof Native !== "function") continue;
  sizedConstructor(Native, (args) => {
    const parts = args[0];
    if (!isArray(parts)) return;
    let size = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      size += typeof part === "string" ? part.length : toNumber(part?.byteLength ?? part?.size ?? 0) || 0;
    }
    charge(parts.length);
    allocate(size, "a " + name + " of " + size + " bytes");
  });
}

const StringPrototype = String.prototype;
meter(StringPrototype, "repeat", (self, args) => {
  const n = textOf(self).length * byteCount(args[0]);
  allocate(n, "a string of " + n + " characters");
});
for (const key of ["padStart", "padEnd"]) {
  meter(StringPrototype, key, (self, args) => allocate(byteCount(args[0]), "a string of " + byteCount(args[0]) + " characters"));
}
meter(StringPrototype, "concat", (self, args) => {
  let n = textOf(self).length;
  for (let i = 0; i < args.length; i++) n += textOf(args[i]).length;
  allocate(n, "a string of " + n + " characters");
});
for (const key of ["split", "replace", "replaceAll", "normalize", "toLowerCase", "toUpperCase", "localeCompare"]) {
  meter(StringPrototype, key, (self) => charge(textOf(self).length >> 4));
}
`;
