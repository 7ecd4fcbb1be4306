// Type-checking only: the part of node:async_hooks our runtime uses (the nodejs_als flag provides it).
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, body: () => R): R;
  }
}
