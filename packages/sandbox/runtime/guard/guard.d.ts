// Type-checking only: what the guard's scripts use but do not declare themselves.

/** The limits guardSource() (src/guard.ts) writes in place of prelude.js's `/*CONFIG*\/ {}`. */
interface GuardConfig {
  loadBudget: number;
  maxBytes: number;
  deadlineMs: number;
  memoryBudget: number;
  memoryWalkEvery: number;
  outbound: string[];
  platformTokenHeader: string;
}

/** interface.js imports it from node:async_hooks (the guard's compatibility flag, nodejs_als). */
declare class AsyncLocalStorage<T> {
  getStore(): T | undefined;
  run<R>(store: T, body: () => R): R;
}

// Declared by memory.ts's part of the guard (src/guard-runtime/memory.ts, still a string).
declare let produced: number;
declare const setPrototypeOf: typeof Reflect.setPrototypeOf;
declare const ownKeys: typeof Reflect.ownKeys;
declare const hasOwn: typeof Object.hasOwn;
