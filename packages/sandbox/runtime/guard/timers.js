/**
 * Time. A request's work ends with its response or its deadline, whichever comes first: an action
 * awaiting a promise that never settles answers 504 `timeout` once `CONFIG.deadlineMs` has passed,
 * and whatever the request left behind stops. The timers it started (setTimeout, setInterval) are
 * cleared, and the request's budget is ended, so code of it that still runs later (a promise chain
 * resolved by late I/O) throws at its next flushed tick. A timer can be cleared only by the request
 * that owns it, so app code cannot clear the deadline's own timer by guessing its id. The natives
 * are kept before any generated module runs; replacing `Promise.prototype.then`, `Map.prototype.set`
 * or `setTimeout` afterwards changes nothing here.
 */
const nativeSetTimeout = globalThis.setTimeout;
const nativeSetInterval = globalThis.setInterval;
const nativeClearTimeout = globalThis.clearTimeout;
const nativeClearInterval = globalThis.clearInterval;
const NativePromise = Promise;
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;
const NativeMap = Map;
const mapSet = Map.prototype.set;
const mapGet = Map.prototype.get;
const mapHas = Map.prototype.has;
const mapDelete = Map.prototype.delete;
const mapForEach = Map.prototype.forEach;
const arraySlice = Array.prototype.slice;
const DEADLINE_MS = CONFIG.deadlineMs;

/** What __aidevos_bounded resolves to when the deadline passed first (only our entry module sees it). */
const __aidevos_timedOut = freeze(create(null));

function ownerOf() {
  return requests.getStore() ?? loading;
}

function clearOne(id, interval) {
  apply(interval ? nativeClearInterval : nativeClearTimeout, globalThis, [id]);
}

/** Ends a request: nothing it started runs again (its timers cleared, its budget closed). */
function end(state, why) {
  if (state.ended !== null) return;
  state.ended = why;
  state.budget = -1;
  const timers = state.timers;
  state.timers = null;
  if (timers !== null) apply(mapForEach, timers, [(interval, id) => clearOne(id, interval)]);
}

function timer(native, interval) {
  return function (callback, ms) {
    const state = ownerOf();
    if (state.ended !== null) throw new SandboxLimitError("ended", state.ended);
    let id;
    let run = callback;
    if (typeof callback === "function") {
      // biome-ignore lint/complexity/noArguments: the guard as reviewed; a rest parameter would do the same.
      const extra = apply(arraySlice, arguments, [2]);
      run = () => {
        if (state.ended !== null) return;
        if (!interval && state.timers !== null) apply(mapDelete, state.timers, [id]);
        return apply(callback, globalThis, extra);
      };
    }
    id = apply(native, globalThis, [run, ms]);
    if (state.timers === null) state.timers = new NativeMap();
    apply(mapSet, state.timers, [id, interval]);
    return id;
  };
}

function clearer(interval) {
  // biome-ignore lint/complexity/useArrowFunction: a function, as the clearTimeout it stands in for.
  return function (id) {
    const timers = ownerOf().timers;
    if (timers === null || !apply(mapHas, timers, [id])) return;
    clearOne(id, apply(mapGet, timers, [id]) ?? interval);
    apply(mapDelete, timers, [id]);
  };
}

pin(globalThis, "setTimeout", timer(nativeSetTimeout, false));
pin(globalThis, "setInterval", timer(nativeSetInterval, true));
pin(globalThis, "clearTimeout", clearer(false));
pin(globalThis, "clearInterval", clearer(true));

/**
 * Runs a request's work (inside __aidevos_within) until it settles or its deadline passes: resolves
 * to its result, or to __aidevos_timedOut. Either way the request is then ended. Only the outermost
 * call bounds the request; a nested one just runs its work.
 */
function __aidevos_bounded(work) {
  const state = requests.getStore();
  if (state === undefined || state.bounded) return work();
  state.bounded = true;
  return new NativePromise((resolve, reject) => {
    let done = false;
    const deadline = apply(nativeSetTimeout, globalThis, [
      () => {
        if (done) return;
        done = true;
        end(state, "sandbox: the request passed its deadline of " + DEADLINE_MS + " ms; work it started is stopped");
        resolve(__aidevos_timedOut);
      },
      DEADLINE_MS,
    ]);
    const settle = (how, value) => {
      if (done) return;
      done = true;
      apply(nativeClearTimeout, globalThis, [deadline]);
      end(state, "sandbox: the request has answered; work it left running is stopped");
      how(value);
    };
    let pending;
    try {
      pending = apply(promiseResolve, NativePromise, [work()]);
    } catch (err) {
      settle(reject, err);
      return;
    }
    apply(promiseThen, pending, [(value) => settle(resolve, value), (err) => settle(reject, err)]);
  });
}
