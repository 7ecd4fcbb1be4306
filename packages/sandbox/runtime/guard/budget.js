/**
 * Per-request budgets. Time does not advance inside Workers while code runs synchronously, so a
 * deadline cannot see a spin: instrumented code calls __aidevos_tick() in every loop and function
 * body, and the guard counts. The count lives in an AsyncLocalStorage store that follows each
 * request across awaits, so concurrent requests neither refill nor trip each other; once over
 * budget a request stays tripped, so a try/catch cannot swallow the limit.
 */
const requests = new AsyncLocalStorage();
/** Module load and anything else that runs outside a request; never refilled. */
const loading = { ticks: 0, budget: CONFIG.loadBudget, tripped: null, ended: null, timers: null, bounded: false };

function trip(state, kind, message) {
  if (state.tripped === null) state.tripped = { kind, message };
  state.budget = -1;
  every = 1;
  throw new SandboxLimitError(state.tripped.kind, state.tripped.message);
}

function over(state) {
  // A request that has answered (or passed its deadline) runs nothing more: see timers.ts.
  if (state.ended !== null) {
    every = 1;
    throw new SandboxLimitError("ended", state.ended);
  }
  trip(state, "cpu", "sandbox: CPU budget exceeded (an endless loop, runaway recursion or too much native work?)");
}

// Reading the store costs about 40x a counter increment, so ticks are counted here and charged to
// the current request every CHECK_EVERY ticks. At most that many ticks land on the wrong request
// at an await; none are ever refilled. While a tripped request runs, every tick is checked, so a
// try/catch around a loop inside another loop cannot outrun the limit.
const CHECK_EVERY = 256;
let pending = 0;
let every = CHECK_EVERY;

function flush() {
  const state = requests.getStore() ?? loading;
  state.ticks += pending;
  // Any tick may allocate: the memory walk (memory.js) counts them too.
  produced += pending * 8;
  pending = 0;
  if (state.ticks > state.budget) over(state);
  every = CHECK_EVERY;
}

function __aidevos_tick() {
  if (++pending >= every) flush();
}

/** Work already known to be this large: checked before it is done once it reaches a check's worth. */
function charge(work) {
  pending += work;
  if (pending >= every) flush();
}

/** A single allocation of about this many bytes: refused over the limit, else charged like work. */
function allocate(bytes, what) {
  if (bytes > CONFIG.maxBytes) {
    trip(
      requests.getStore() ?? loading,
      "memory",
      "sandbox: memory limit exceeded: " +
        what +
        " would take about " +
        bytes +
        " bytes, over the limit of " +
        CONFIG.maxBytes +
        " per allocation",
    );
  }
  if (bytes > 0) {
    produced += bytes;
    charge(floor(bytes / 16));
  }
}

/**
 * Runs body with a fresh budget, or inside the current request's budget when there is one (so
 * calling this again from generated code gains nothing). body receives a read-only probe.
 */
function __aidevos_within(budget, body) {
  const outer = requests.getStore();
  if (outer !== undefined) return body(probeOf(outer));
  const state = {
    ticks: 0,
    budget: typeof budget === "number" && budget > 0 ? budget : CONFIG.loadBudget,
    tripped: null,
    ended: null,
    timers: null,
    bounded: false,
  };
  return requests.run(state, () => body(probeOf(state)));
}

function probeOf(state) {
  return freeze({
    tripped: () =>
      state.tripped === null ? null : freeze({ kind: state.tripped.kind, message: state.tripped.message }),
  });
}

/** Wraps every dynamic import(): only the bundle's own modules, never the sandbox's own. */
function __aidevos_specifier(specifier) {
  const name = toText(specifier);
  if ((name.startsWith("./") || name.startsWith("../")) && !name.includes("__aidevos")) return name;
  throw new TypeError(
    "sandbox: import(" + JSON.stringify(name) + ") is refused: generated code may import only the bundle's own modules",
  );
}
