/**
 * Console output of app code. Locally it reaches the terminal of `wrangler dev`; on Cloudflare the
 * Worker's logs and its tail consumer: a `console.log(ctx.secrets.KEY)` would put the value there.
 * Our entry tells the guard every secret value the app is handed (`__aidevos_secretsSeen`, from the
 * platform's `secrets()`), and every console method writes its arguments with those values replaced
 * by `[secret NAME]`, as they are, JSON-escaped and URL-encoded (the forms packages/core's
 * secretRedactor looks for), inside plain objects and arrays too (copied, their shape kept). The
 * natives are kept before any generated module runs, so replacing String.prototype methods changes
 * nothing here.
 */
const textIndexOf = String.prototype.indexOf;
const textSlice = String.prototype.slice;
const encodeComponent = encodeURIComponent;
const NativeError = Error;
const ObjectPrototype = Object.prototype;
/** [form, replacement] pairs, longest form first; empty until the app is handed a secret. */
const secretForms = [];
setPrototypeOf(secretForms, null);
const MIN_SECRET_LENGTH = 4;

function addForm(form, name) {
  if (typeof form !== "string" || form.length < MIN_SECRET_LENGTH) return;
  for (let i = 0; i < secretForms.length; i++) if (secretForms[i][0] === form) return;
  let at = secretForms.length;
  while (at > 0 && secretForms[at - 1][0].length < form.length) {
    secretForms[at] = secretForms[at - 1];
    at--;
  }
  secretForms[at] = [form, "[secret " + name + "]"];
}

/** The entry's alone: the values of the app's secrets, as the platform handed them over. */
function __aidevos_secretsSeen(values) {
  if (values === null || typeof values !== "object") return;
  const names = ownKeys(values);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (typeof name !== "string") continue;
    const value = values[name];
    if (typeof value !== "string") continue;
    addForm(value, name);
    const json = apply(nativeStringify, NativeJSON, [value]);
    addForm(apply(textSlice, json, [1, json.length - 1]), name);
    try {
      addForm(encodeComponent(value), name);
    } catch {}
  }
}

function redactText(text) {
  let out = text;
  for (let i = 0; i < secretForms.length; i++) {
    const form = secretForms[i][0];
    let at = apply(textIndexOf, out, [form]);
    if (at < 0) continue;
    let joined = "";
    let from = 0;
    while (at >= 0) {
      joined += apply(textSlice, out, [from, at]) + secretForms[i][1];
      from = at + form.length;
      at = apply(textIndexOf, out, [form, from]);
    }
    out = joined + apply(textSlice, out, [from]);
  }
  return out;
}

/**
 * An argument with the secrets out of it, its shape kept (a log line of objects stays one, for tail
 * consumers that read them): strings redacted, plain arrays and objects copied with theirs redacted,
 * an Error whose message or stack holds a secret written as its redacted stack. Anything else as it is.
 */
function redactValue(value, depth) {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  try {
    if (value instanceof NativeError) {
      const text = toText(value.stack ?? value);
      const clean = redactText(text);
      return clean === text ? value : clean;
    }
    if (isArray(value)) {
      const copy = [];
      for (let i = 0; i < value.length && i < 10000; i++) copy[i] = redactValue(value[i], depth + 1);
      return copy;
    }
    const proto = getPrototypeOf(value);
    if (proto !== ObjectPrototype && proto !== null) {
      const text = textOf(value);
      const clean = redactText(text);
      return clean === text ? value : clean;
    }
    const copy = {};
    const keys = ownKeys(value);
    for (let i = 0; i < keys.length && i < 10000; i++) {
      const key = keys[i];
      const d = getOwnPropertyDescriptor(value, key);
      if (d === undefined || !hasOwn(d, "value")) continue;
      defineProperty(copy, typeof key === "string" ? redactText(key) : key, {
        value: redactValue(d.value, depth + 1),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return copy;
  } catch {
    return "[unprintable]";
  }
}

// workers-types declares console as a global const, not as a property of globalThis.
const nativeConsole = /** @type {any} */ (globalThis).console;
if (nativeConsole !== null && typeof nativeConsole === "object") {
  for (const key of [
    "log",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "dir",
    "dirxml",
    "table",
    "assert",
    "group",
    "groupCollapsed",
    "count",
    "countReset",
    "time",
    "timeEnd",
    "timeLog",
  ]) {
    const original = nativeConsole[key];
    if (typeof original !== "function") continue;
    // biome-ignore lint/complexity/useArrowFunction: a function, as the console method it stands in for.
    pin(nativeConsole, key, function (...args) {
      if (secretForms.length > 0) {
        for (let i = 0; i < args.length; i++) {
          // console.assert's first argument is the condition; the rest is what it writes.
          if (key === "assert" && i === 0) continue;
          args[i] = redactValue(args[i], 0);
        }
      }
      return apply(original, nativeConsole, args);
    });
  }
}
