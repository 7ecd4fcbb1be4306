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

/** V8's, which the memory walk lowers while it runs (memory.js). */
interface ErrorConstructor {
  stackTraceLimit: number;
}
