/**
 * Native work whose cost grows with its input, continued (see native-arrays.ts, native-buffers.ts):
 * string searches, JSON, text encoding and structured cloning. One call of these runs no user code,
 * so ticks never see it: each is charged in proportion to its input before it runs (and JSON.stringify,
 * whose output is known only after, by its output), against the same per-request budget. The rates
 * (one tick per 16 characters scanned, per 8 parsed or encoded) put a native scan at about the cost
 * of the JavaScript loop it replaces, so the budget means the same whichever way code is written.
 */
const scanning = (self) => charge(textOf(self).length >> 4);
for (const key of [
  "includes",
  "indexOf",
  "lastIndexOf",
  "trim",
  "trimStart",
  "trimEnd",
  "isWellFormed",
  "toWellFormed",
  "toLocaleLowerCase",
  "toLocaleUpperCase",
]) {
  meter(StringPrototype, key, scanning);
}
for (const key of ["startsWith", "endsWith"]) {
  meter(StringPrototype, key, (_self, args) => charge(textOf(args[0]).length >> 4));
}

const NativeJSON = JSON;
const nativeParse = NativeJSON.parse;
const nativeStringify = NativeJSON.stringify;
defineProperty(NativeJSON, "parse", {
  value: function parse(text, reviver) {
    const source = toText(text);
    // A parsed value takes more memory than its text: refuse what could not be held anyway.
    allocate(source.length * 2, "the value of a JSON text of " + source.length + " characters");
    charge(source.length >> 3);
    return apply(nativeParse, NativeJSON, reviver === undefined ? [source] : [source, reviver]);
  },
  writable: true,
  enumerable: false,
  configurable: true,
});
defineProperty(NativeJSON, "stringify", {
  value: function stringify(value, replacer, space) {
    const out = apply(nativeStringify, NativeJSON, [value, replacer, space]);
    if (typeof out === "string") {
      allocate(out.length, "a JSON text of " + out.length + " characters");
      charge(out.length >> 3);
    }
    return out;
  },
  writable: true,
  enumerable: false,
  configurable: true,
});

const EncoderPrototype = typeof TextEncoder === "function" ? TextEncoder.prototype : null;
if (EncoderPrototype !== null) {
  meter(EncoderPrototype, "encode", (_self, args) => {
    const n = args[0] === undefined ? 0 : textOf(args[0]).length;
    // UTF-8 takes up to 3 bytes per UTF-16 unit.
    allocate(n * 3, "the UTF-8 bytes of a string of " + n + " characters");
    charge(n >> 3);
  });
  meter(EncoderPrototype, "encodeInto", (_self, args) => charge(textOf(args[0]).length >> 3));
}

function byteLengthOf(value) {
  if (value === null || typeof value !== "object") return 0;
  const n = toNumber(value.byteLength);
  return n > 0 ? n : 0;
}
const DecoderPrototype = typeof TextDecoder === "function" ? TextDecoder.prototype : null;
if (DecoderPrototype !== null) {
  meter(DecoderPrototype, "decode", (_self, args) => {
    const n = byteLengthOf(args[0]);
    allocate(n * 2, "the text of " + n + " bytes");
    charge(n >> 3);
  });
}

// structuredClone copies what it is given: charged by the size that can be seen without walking it.
const nativeClone = globalThis.structuredClone;
if (typeof nativeClone === "function") {
  defineProperty(globalThis, "structuredClone", {
    value: function structuredClone(value, options) {
      const size = typeof value === "string" ? value.length : byteLengthOf(value) + lengthOf(value) * 8;
      allocate(size, "a copy of " + size + " bytes");
      charge(size >> 3);
      return apply(nativeClone, globalThis, options === undefined ? [value] : [value, options]);
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
