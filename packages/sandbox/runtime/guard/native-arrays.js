/**
 * Native bulk work runs no user code per element, so ticks never see it: the built-ins are wrapped
 * to charge ticks in proportion to the work and to refuse single allocations over the memory
 * limit. This part: arrays (Array.from({length: 1e9}), fill, sort, join, iteration, ...).
 */
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
for (const key of [
  "every",
  "filter",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "forEach",
  "includes",
  "indexOf",
  "lastIndexOf",
  "reduce",
  "reduceRight",
  "some",
  "toLocaleString",
]) {
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
for (const key of [
  "copyWithin",
  "fill",
  "map",
  "reverse",
  "shift",
  "slice",
  "splice",
  "toReversed",
  "toSpliced",
  "unshift",
  "with",
]) {
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
    if (
      items !== null &&
      items !== undefined &&
      typeof items[Symbol.iterator] !== "function" &&
      typeof items === "object"
    ) {
      return apply(arrayFrom, this, [sizeArrayLike(items, "an array"), ...rest]);
    }
    return apply(arrayFrom, this, [items, ...rest]);
  },
  writable: true,
  enumerable: false,
  configurable: true,
});
