/**
 * Code built from strings. workerd refuses eval/new Function/Wasm compilation during requests but
 * allows them at module load, and such code would run without ticks: the guard module is evaluated
 * before any generated module (each imports it first) and replaces every way in with a function
 * that throws, pinned so it cannot be put back.
 */
function refuser(what) {
  return function refused() {
    throw new EvalError(
      "sandbox: code built from strings is refused (" + what + "): it would run without the sandbox's guards",
    );
  };
}

const FUNCTION_PROTOTYPES = [
  [getPrototypeOf(() => {}), "the Function constructor"],
  [getPrototypeOf(async () => {}), "the AsyncFunction constructor"],
  [getPrototypeOf(function* () {}), "the GeneratorFunction constructor"],
  [getPrototypeOf(async function* () {}), "the AsyncGeneratorFunction constructor"],
];
for (const [prototype, what] of FUNCTION_PROTOTYPES) {
  const refused = refuser(what);
  // instanceof keeps working: the stand-in shares the real prototype.
  refused.prototype = prototype;
  pin(prototype, "constructor", refused);
}
pin(globalThis, "Function", FUNCTION_PROTOTYPES[0][0].constructor);
pin(globalThis, "eval", refuser("eval"));

const wasm = globalThis.WebAssembly;
if (wasm) {
  for (const key of [
    "compile",
    "compileStreaming",
    "instantiate",
    "instantiateStreaming",
    "Module",
    "Instance",
    "Memory",
    "Table",
    "Global",
    "Tag",
    "Exception",
  ]) {
    if (key in wasm) {
      pin(wasm, key, function refused() {
        throw new EvalError(
          "sandbox: WebAssembly." + key + " is refused: compiled code would run without the sandbox's guards",
        );
      });
    }
  }
  freeze(wasm);
  pin(globalThis, "WebAssembly", wasm);
}
