/**
 * Native bulk work, continued (see native-arrays.ts): buffers, typed arrays, Blob/File and strings,
 * whose constructors are replaced by checking proxies (also reached through species lookups).
 */
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
  defineProperty(Native.prototype, "constructor", {
    value: proxy,
    writable: true,
    enumerable: false,
    configurable: true,
  });
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
meter(ArrayBufferPrototype, "resize", (_self, args) => allocate(byteCount(args[0]), "an ArrayBuffer"));
for (const key of ["transfer", "transferToFixedLength"]) {
  meter(ArrayBufferPrototype, key, (_self, args) => {
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
for (const key of [
  "copyWithin",
  "fill",
  "includes",
  "indexOf",
  "join",
  "lastIndexOf",
  "reverse",
  "slice",
  "toLocaleString",
  "toReversed",
  "with",
]) {
  meter(TypedArrayPrototype, key, (self) => charge(typedLength(self)));
}
for (const key of ["sort", "toSorted"]) {
  meter(TypedArrayPrototype, key, (self) => {
    const n = typedLength(self);
    charge(n * ceil(log2(n + 2)));
  });
}
meter(TypedArrayPrototype, "set", (_self, args) => charge(lengthOf(args[0])));

for (const name of [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
]) {
  const Native = globalThis[name];
  if (typeof Native !== "function") continue;
  const size = Native.BYTES_PER_ELEMENT;
  sizedConstructor(Native, (args) => {
    const first = args[0];
    if (typeof first === "number") allocate(first * size, "a " + name + " of " + first + " elements");
    else if (isView(first)) allocate(lengthOf(first) * size, "a " + name);
    else if (
      first !== null &&
      typeof first === "object" &&
      !(first instanceof NativeArrayBuffer) &&
      typeof first[Symbol.iterator] !== "function"
    ) {
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
  meter(StringPrototype, key, (_self, args) =>
    allocate(byteCount(args[0]), "a string of " + byteCount(args[0]) + " characters"),
  );
}
meter(StringPrototype, "concat", (self, args) => {
  let n = textOf(self).length;
  for (let i = 0; i < args.length; i++) n += textOf(args[i]).length;
  allocate(n, "a string of " + n + " characters");
});
for (const key of ["split", "replace", "replaceAll", "normalize", "toLowerCase", "toUpperCase", "localeCompare"]) {
  meter(StringPrototype, key, (self) => charge(textOf(self).length >> 4));
}
