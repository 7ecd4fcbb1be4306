/**
 * The start of the guard module: the import, the limits (`/*CONFIG*\/ {}` is replaced by
 * guardSource()) and the intrinsics the guard keeps for itself before anything is wrapped.
 */
export const GUARD_PRELUDE = String.raw`import { AsyncLocalStorage } from "node:async_hooks";

const CONFIG = /*CONFIG*/ {};
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

export class SandboxLimitError extends Error {
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
`;
