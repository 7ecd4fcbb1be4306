/**
 * The spec module of the shared runtime (its `specModule`, worker-code.ts), in place of the compiler's `spec.js`: `SPEC` reads the
 * spec of the app instance whose call is running (an AsyncLocalStorage store that follows the call
 * across awaits). Code at module level runs once for every app, so it sees an app with nothing in it
 * (no entities, no actions); after load a read outside any app's call is a bug and throws.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage();
const NONE = Object.freeze([]);
const LOADING = Object.freeze({
  name: "",
  entities: NONE,
  actions: NONE,
  counters: NONE,
  schedules: NONE,
  channels: NONE,
});
let loaded = false;

function spec() {
  const store = current.getStore();
  if (store !== undefined) return store;
  if (!loaded) return LOADING;
  throw new Error("sandbox: the shared runtime read SPEC outside an app's call");
}

export const SPEC = new Proxy(Object.create(null), {
  get: (_, key) => Reflect.get(spec(), key),
  has: (_, key) => Reflect.has(spec(), key),
  ownKeys: () => Reflect.ownKeys(spec()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Reflect.getOwnPropertyDescriptor(spec(), key);
    return d === undefined ? undefined : { ...d, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
});

export function __aidevos_inSpec(spec, body) {
  return current.getStore() === spec ? body() : current.run(spec, body);
}

export function __aidevos_loaded() {
  loaded = true;
}
