/**
 * The sandbox bypasses issue 14 found, as app code: shared by test/sandbox/hardening.test.ts (which
 * proves each one refused) and test/reliability/escapes.test.ts (which reports how many were).
 */

const WASM = "new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])";
/** Every way we know to build code from a string; each must be refused by the sandbox itself. */
export const FROM_STRINGS: Record<string, string> = {
  "indirect eval": `(0, eval)("40 + 2")`,
  "Function through an alias": `(() => { const F = Function; return F("return 42")(); })()`,
  "[].constructor.constructor": `[].constructor.constructor("return 42")()`,
  "Reflect.construct(Function)": `Reflect.construct(Function, ["return 42"])()`,
  "the AsyncFunction constructor": `(async () => {}).constructor("return 42")()`,
  "the GeneratorFunction constructor": `(function* () {}).constructor("yield 42")().next().value`,
  "the AsyncGeneratorFunction constructor": `(async function* () {}).constructor("yield 42")().next()`,
  "Object.getPrototypeOf(fn).constructor": `Object.getPrototypeOf(() => {}).constructor("return 42")()`,
  "new WebAssembly.Module through an alias": `(() => { const W = WebAssembly; return new W.Module(${WASM}); })()`,
  "WebAssembly.compile through an alias": `(() => { const W = WebAssembly; return W.compile(${WASM}); })()`,
  "WebAssembly.instantiate through an alias": `(() => { const W = WebAssembly; return W.instantiate(${WASM}); })()`,
};

export const fromStringsApp = `import { DurableObject } from "cloudflare:workers";
const FORMS = {
${Object.entries(FROM_STRINGS)
  .map(([name, code]) => `  ${JSON.stringify(name)}: () => ${code},`)
  .join("\n")}
};
function attempt(form) {
  try {
    const value = form();
    if (value && typeof value.then === "function") return value.then((v) => "ran: " + String(v), (e) => "refused: " + e.message);
    return "ran: " + String(value);
  } catch (e) {
    return "refused: " + e.message;
  }
}
// At module load workerd itself still allows code generation: the sandbox must refuse it here too.
const atLoad = Object.fromEntries(Object.entries(FORMS).map(([name, form]) => [name, attempt(form)]));
export class App extends DurableObject {
  async fetch() {
    const out = { atLoad: {}, atRequest: {} };
    for (const [name, form] of Object.entries(FORMS)) {
      out.atLoad[name] = await atLoad[name];
      out.atRequest[name] = await attempt(form);
    }
    return Response.json(out);
  }
}`;

/** Native work that runs no user code per element, so no loop tick would ever see it. */
export const BOMBS: Record<string, string> = {
  "Array.from({ length })": "Array.from({ length: N })",
  "new Array(n).fill(0)": "new Array(N).fill(0)",
  "a default sort": "Array.from({ length: N / 16 }, (_, i) => N - i).sort()",
  "join of a sparse array": "(() => { const a = []; a.length = N; return a.join(','); })()",
  "includes on a sparse array": "(() => { const a = []; a.length = N; return a.includes(1); })()",
  "spreading a sparse array": "(() => { const a = []; a.length = N; return [...a].length; })()",
  '"x".repeat': '"x".repeat(N * 8)',
  padStart: '"x".padStart(N * 8)',
  "new ArrayBuffer": "new ArrayBuffer(N * 8)",
  "a typed array": "new Float64Array(N)",
  "Uint8Array.from": "Uint8Array.from({ length: N * 8 })",
  "a Blob of one buffer many times": "new Blob(new Array(Math.min(N / 1000, 4096)).fill(new Uint8Array(1 << 20)))",
  "join of one long string many times":
    '(() => { const s = "x".repeat(Math.min(N, 1 << 24)); return new Array(Math.min(N / 1000, 4096)).fill(s).join(""); })()',
  "includes on a long string, again and again":
    '(() => { const s = "x".repeat(Math.min(N, 1 << 24)); let n = 0; for (let i = 0; i < 64; i++) if (s.includes("y")) n++; return n; })()',
  "indexOf on a long string, again and again":
    '(() => { const s = "x".repeat(Math.min(N, 1 << 24)); let n = 0; for (let i = 0; i < 64; i++) n += s.indexOf("y"); return n; })()',
  "JSON.parse of a long text, again and again":
    '(() => { const t = JSON.stringify("x".repeat(Math.min(N, 1 << 23))); for (let i = 0; i < 8; i++) JSON.parse(t); })()',
  "TextEncoder.encode, again and again":
    '(() => { const s = "x".repeat(Math.min(N, 1 << 23)); const e = new TextEncoder(); for (let i = 0; i < 8; i++) e.encode(s); })()',
  "TextDecoder.decode, again and again":
    "(() => { const b = new Uint8Array(Math.min(N, 1 << 23)); const d = new TextDecoder(); for (let i = 0; i < 8; i++) d.decode(b); })()",
  // V8 joins strings with + as ropes, in no time: without a check a doubling loop reaches 256 MiB at once.
  "doubling a string with +":
    '(() => { let s = "x".repeat(Math.min(N, 1 << 20)); for (let i = 0; i < 8; i++) s = s + s; return s.length; })()',
  "doubling a string with +=":
    '(() => { let s = "x".repeat(Math.min(N, 1 << 20)); for (let i = 0; i < 8; i++) s += s; return s.length; })()',
  "doubling a string with a template literal": `(() => { let s = "x".repeat(Math.min(N, 1 << 20)); for (let i = 0; i < 8; i++) s = \`\${s}\${s}\`; return s.length; })()`,
  "TextEncoder.encode of a doubled string":
    '(() => { let s = "x".repeat(Math.min(N, 1 << 20)); for (let i = 0; i < 8; i++) s = s + s; return new TextEncoder().encode(s).length; })()',
  "structuredClone of a buffer, again and again":
    "(() => { const b = new Uint8Array(Math.min(N, 1 << 23)); for (let i = 0; i < 8; i++) structuredClone(b); })()",
};

/** An app with one route per bomb (/0, /1, ...) at size N, and an ordinary route for anything else. */
export function bombsApp(n: number): string {
  const routes = Object.entries(BOMBS)
    .map(
      ([name, code], i) =>
        `    if (path === "/${i}") { const N = ${n}; ${code}; return new Response(${JSON.stringify(`${name} finished`)}); }`,
    )
    .join("\n");
  return `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch(request) {
    const path = new URL(request.url).pathname;
${routes}
    return Response.json({ ok: true, sorted: [5, 3, 9].sort((a, b) => a - b), text: "ab".repeat(3) });
  }
}`;
}
