/**
 * The start of the guard module's body: the limits (guardSource() puts them in place of `/*CONFIG*\/ {}`)
 * and the intrinsics the guard keeps for itself before anything is wrapped.
 */
const CONFIG = /** @type {GuardConfig} */ (/*CONFIG*/ {});
const { apply, construct, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
const { create, freeze, is } = Object;
const toObject = Object;
const NativeProxy = Proxy;
const NativeArray = Array;
const isArray = Array.isArray;
const floor = Math.floor;
const log2 = Math.log2;
const ceil = Math.ceil;
const toNumber = Number;
const toText = String;
const MAX_SAFE = 9007199254740991;

class SandboxLimitError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "SandboxLimitError";
    this.kind = kind;
  }
}

/** Defines a property that generated code can neither overwrite nor redefine. */
function pin(target, key, value) {
  defineProperty(target, key, { value, writable: false, enumerable: false, configurable: false });
}
