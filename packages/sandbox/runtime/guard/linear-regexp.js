/**
 * Regular expressions in linear time. V8's engine backtracks: `/^(a+)+$/` on 32 `a`s and a `!` runs
 * for minutes inside one native call, where no tick can see it, and stalls every app and the gateway
 * on that thread. So every RegExp in a loaded Worker matches with RE2 (re2js, instrumented like app
 * code, so its own loops charge the request's budget): `exec` and `test` are replaced on
 * RegExp.prototype, and so are its Symbol.match/matchAll/replace/search/split methods, which
 * String.prototype.match/matchAll/replace/replaceAll/search/split call (never V8's own: its generic
 * paths would fall back to the backtracking matcher for a RegExp whose `exec` is not callable).
 * Regex literals, `new RegExp` and copies all share that prototype; the original `exec` is unreachable.
 * A pattern RE2 cannot run (backreferences, lookahead, lookbehind) throws a SyntaxError that says
 * why, at `new RegExp` or at its first match (a literal is refused at validation before that).
 * re2js arrives after the guard (`__aidevos_re2.js`, imported by the entry right after the guard),
 * through `__aidevos_linear`; until then no regular expression can match at all.
 */
const NativeRegExp = RegExp;
const RegExpPrototype = NativeRegExp.prototype;
const flagsOf = getOwnPropertyDescriptor(RegExpPrototype, "flags").get;
const sourceOf = getOwnPropertyDescriptor(RegExpPrototype, "source").get;
const nativeCompile = RegExpPrototype.compile;
const ANCHOR_START = 1;
let Linear = null;
const linearCache = new Map();
const LINEAR_CACHE_SIZE = 256;

/** Called once by __aidevos_re2.js with re2js's RE2JS class; later calls change nothing. */
function __aidevos_linear(RE2JS) {
  if (Linear === null) Linear = RE2JS;
}

function refusedPattern(source, why) {
  return new SyntaxError(
    "sandbox: the regular expression /" +
      source +
      "/ needs a backtracking engine, which the sandbox refuses " +
      "(regular expressions run in linear time: no backreferences, lookahead or lookbehind): " +
      why,
  );
}

/** The compiled RE2 program of a pattern and its flags; throws a SyntaxError for one RE2 cannot run. */
function linearOf(source, flags) {
  if (Linear === null)
    throw new Error("sandbox: regular expressions are not available yet (the linear engine is not loaded)");
  const key = flags + "/" + source;
  const hit = linearCache.get(key);
  if (hit !== undefined) return hit;
  let options = 0;
  if (flags.includes("i")) options |= Linear.CASE_INSENSITIVE;
  if (flags.includes("s")) options |= Linear.DOTALL;
  if (flags.includes("m")) options |= Linear.MULTILINE;
  let compiled;
  try {
    compiled = Linear.compile(Linear.translateRegExp(source), options);
  } catch (err) {
    throw refusedPattern(source, err && err.message !== undefined ? toText(err.message) : toText(err));
  }
  if (linearCache.size >= LINEAR_CACHE_SIZE) linearCache.delete(linearCache.keys().next().value);
  linearCache.set(key, compiled);
  return compiled;
}

function toLength(value) {
  const n = toNumber(value);
  if (!(n > 0)) return 0;
  return n < MAX_SAFE ? floor(n) : MAX_SAFE;
}

/** What RegExpBuiltinExec answers (lastIndex, index, input, groups, indices), matched by RE2. */
function linearExec(rx, input) {
  const flags = apply(flagsOf, rx, []);
  const text = toText(input);
  const sticky = flags.includes("y");
  const tracks = sticky || flags.includes("g");
  const at = tracks ? toLength(rx.lastIndex) : 0;
  if (at > text.length) {
    if (tracks) rx.lastIndex = 0;
    return null;
  }
  const matcher = linearOf(apply(sourceOf, rx, []), flags).matcher(text);
  // Sticky: the leftmost match from lastIndex must start there (RE2's own anchor holds only at 0).
  const found = matcher.find(at) && (!sticky || matcher.start(0) === at);
  if (!found) {
    if (tracks) rx.lastIndex = 0;
    return null;
  }
  const start = matcher.start(0);
  const end = matcher.end(0);
  if (tracks) rx.lastIndex = end;
  const count = matcher.groupCount();
  // The array exec() answers: the captures, with index, input, groups (and indices) set below.
  const result = /** @type {RegExpExecArray} */ (new NativeArray(count + 1));
  const indices = /** @type {any} */ (flags.includes("d") ? new NativeArray(count + 1) : null);
  for (let i = 0; i <= count; i++) {
    const from = matcher.start(i);
    if (from < 0) {
      result[i] = undefined;
      if (indices !== null) indices[i] = undefined;
    } else {
      const to = matcher.end(i);
      result[i] = text.slice(from, to);
      if (indices !== null) indices[i] = [from, to];
    }
  }
  let groups;
  let groupIndices;
  const names = matcher.namedGroups;
  for (const name in names) {
    if (groups === undefined) {
      groups = create(null);
      groupIndices = create(null);
    }
    groups[name] = result[names[name]];
    if (indices !== null) groupIndices[name] = indices[names[name]];
  }
  result.index = start;
  result.input = text;
  result.groups = groups;
  if (indices !== null) {
    indices.groups = groupIndices;
    result.indices = indices;
  }
  return result;
}

function advance(text, at, unicode) {
  if (!unicode || at + 1 >= text.length) return at + 1;
  const first = text.charCodeAt(at);
  if (first < 0xd800 || first > 0xdbff) return at + 1;
  const second = text.charCodeAt(at + 1);
  return second >= 0xdc00 && second <= 0xdfff ? at + 2 : at + 1;
}

/** RegExp.prototype[Symbol.split] with one RE2 search per piece (the spec's generic path tries every position). */
function linearSplit(rx, input, limit) {
  const text = toText(input);
  const flags = flagsText(rx);
  const lim = limit === undefined ? 4294967295 : toNumber(limit) >>> 0;
  const out = [];
  if (lim === 0) return out;
  const matcher = linearOf(apply(sourceOf, rx, []), flags).matcher(text);
  const size = text.length;
  if (size === 0) {
    if (!matcher.genMatch(0, ANCHOR_START)) out.push(text);
    return out;
  }
  const unicode = flags.includes("u") || flags.includes("v");
  let p = 0;
  let q = 0;
  while (q < size) {
    if (!matcher.find(q)) break;
    const start = matcher.start(0);
    const end = matcher.end(0);
    if (start >= size) break;
    if (end === p) {
      q = advance(text, start, unicode);
      continue;
    }
    out.push(text.slice(p, start));
    if (out.length === lim) return out;
    const count = matcher.groupCount();
    for (let i = 1; i <= count; i++) {
      out.push(matcher.start(i) < 0 ? undefined : matcher.group(i));
      if (out.length === lim) return out;
    }
    p = end;
    q = p;
  }
  out.push(text.slice(p, size));
  return out;
}

function flagsText(rx) {
  return apply(flagsOf, rx, []);
}

function isUnicode(flags) {
  return flags.includes("u") || flags.includes("v");
}

/** RegExp.prototype[Symbol.match]: every match through linearExec. */
function linearMatch(rx, input) {
  const text = toText(input);
  const flags = flagsText(rx);
  if (!flags.includes("g")) return linearExec(rx, text);
  rx.lastIndex = 0;
  const all = [];
  for (;;) {
    const result = linearExec(rx, text);
    if (result === null) return all.length === 0 ? null : all;
    const matched = toText(result[0]);
    all.push(matched);
    if (matched === "") rx.lastIndex = advance(text, toLength(rx.lastIndex), isUnicode(flags));
  }
}

function* linearMatches(clone, text, global, unicode) {
  for (;;) {
    const result = linearExec(clone, text);
    if (result === null) return;
    yield result;
    if (!global) return;
    if (toText(result[0]) === "") clone.lastIndex = advance(text, toLength(clone.lastIndex), unicode);
  }
}

/** RegExp.prototype[Symbol.matchAll]: a copy of the RegExp (never a species of the caller's choosing) stepped by linearExec. */
function linearMatchAll(rx, input) {
  const text = toText(input);
  const flags = flagsText(rx);
  const clone = construct(NativeRegExp, [rx, flags]);
  clone.lastIndex = toLength(rx.lastIndex);
  return linearMatches(clone, text, flags.includes("g"), isUnicode(flags));
}

/** RegExp.prototype[Symbol.search]. */
function linearSearch(rx, input) {
  const text = toText(input);
  const previous = rx.lastIndex;
  if (!is(previous, 0)) rx.lastIndex = 0;
  const result = linearExec(rx, text);
  if (!is(rx.lastIndex, previous)) rx.lastIndex = previous;
  return result === null ? -1 : result.index;
}

/** GetSubstitution: $$, $&, $\`, $', $n, $nn and $<name> in a replacement string. */
function substitute(matched, text, position, captures, groups, template) {
  let out = "";
  const tail = position + matched.length;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== "$" || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "&") {
      out += matched;
      i++;
    } else if (next === "\u0060") {
      out += text.slice(0, position);
      i++;
    } else if (next === "'") {
      out += tail < text.length ? text.slice(tail) : "";
      i++;
    } else if (next >= "0" && next <= "9") {
      const one = toNumber(next);
      const second = template[i + 2];
      const two = second !== undefined && second >= "0" && second <= "9" ? one * 10 + toNumber(second) : -1;
      if (two >= 1 && two <= captures.length) {
        const value = captures[two - 1];
        out += value === undefined ? "" : value;
        i += 2;
      } else if (one >= 1 && one <= captures.length) {
        const value = captures[one - 1];
        out += value === undefined ? "" : value;
        i++;
      } else out += "$";
    } else if (next === "<" && groups !== undefined) {
      const close = template.indexOf(">", i + 2);
      if (close < 0) out += "$";
      else {
        const value = groups[template.slice(i + 2, close)];
        out += value === undefined ? "" : toText(value);
        i = close;
      }
    } else out += "$";
  }
  return out;
}

/** RegExp.prototype[Symbol.replace]: matches collected by linearExec, then replaced as the spec says. */
function linearReplace(rx, input, replaceValue) {
  const text = toText(input);
  const functional = typeof replaceValue === "function";
  const template = functional ? "" : toText(replaceValue);
  const flags = flagsText(rx);
  const global = flags.includes("g");
  if (global) rx.lastIndex = 0;
  const results = [];
  for (;;) {
    const result = linearExec(rx, text);
    if (result === null) break;
    results.push(result);
    if (!global) break;
    if (toText(result[0]) === "") rx.lastIndex = advance(text, toLength(rx.lastIndex), isUnicode(flags));
  }
  let out = "";
  let next = 0;
  for (let r = 0; r < results.length; r++) {
    const result = results[r];
    const matched = toText(result[0]);
    const index = toLength(result.index);
    const position = index > text.length ? text.length : index;
    const captures = [];
    for (let i = 1; i < result.length; i++) captures.push(result[i] === undefined ? undefined : toText(result[i]));
    const groups = result.groups;
    let replaced;
    if (functional) {
      const args = [matched, ...captures, position, text];
      if (groups !== undefined) args.push(groups);
      replaced = toText(apply(replaceValue, undefined, args));
    } else
      replaced = substitute(
        matched,
        text,
        position,
        captures,
        groups === undefined ? undefined : toObject(groups),
        template,
      );
    if (position >= next) {
      out += text.slice(next, position) + replaced;
      next = position + matched.length;
    }
  }
  return next >= text.length ? out : out + text.slice(next);
}

function checkedRegExp(rx) {
  if (Linear !== null) linearOf(apply(sourceOf, rx, []), flagsText(rx));
  return rx;
}

/**
 * workerd's own console formatting (its node-internal inspect) escapes strings with a lookahead
 * pattern RE2 cannot run, so console.log of any object holding a string failed inside the sandbox.
 * A refused pattern still runs on V8 when the call comes straight from workerd's internal code:
 * the first frame below the guard's own is "node-internal:". App code cannot forge that frame (the
 * stack's formatter is pinned below) and nothing of an app's runs between it and the match.
 */
const nativeRegExpExec = RegExpPrototype.exec;
const NativeErrorType = Error;
pin(NativeErrorType, "prepareStackTrace", undefined);
function fromPlatform() {
  const stack = toText(new NativeErrorType().stack ?? "").split("\n");
  for (let i = 1; i < stack.length; i++) {
    if (stack[i].includes("__aidevos_guard.js")) continue;
    return stack[i].includes("(node-internal:");
  }
  return false;
}
function execOrPlatform(rx, input) {
  try {
    return linearExec(rx, input);
  } catch (err) {
    if (err instanceof SyntaxError && fromPlatform()) return apply(nativeRegExpExec, rx, [input]);
    throw err;
  }
}

// Pinned: with exec deleted or not callable, the spec's generic paths would fall back to V8's own
// (backtracking) matcher; the Symbol methods are all ours, so none of V8's paths is ever taken.
pin(
  RegExpPrototype,
  "exec",
  {
    exec(input) {
      return execOrPlatform(this, input);
    },
  }.exec,
);
pin(
  RegExpPrototype,
  "test",
  {
    test(input) {
      return execOrPlatform(this, input) !== null;
    },
  }.test,
);
pin(
  RegExpPrototype,
  Symbol.match,
  {
    [Symbol.match](input) {
      return linearMatch(this, input);
    },
  }[Symbol.match],
);
pin(
  RegExpPrototype,
  Symbol.matchAll,
  {
    [Symbol.matchAll](input) {
      return linearMatchAll(this, input);
    },
  }[Symbol.matchAll],
);
pin(
  RegExpPrototype,
  Symbol.replace,
  {
    [Symbol.replace](input, replaceValue) {
      return linearReplace(this, input, replaceValue);
    },
  }[Symbol.replace],
);
pin(
  RegExpPrototype,
  Symbol.search,
  {
    [Symbol.search](input) {
      return linearSearch(this, input);
    },
  }[Symbol.search],
);
pin(
  RegExpPrototype,
  Symbol.split,
  {
    [Symbol.split](input, limit) {
      return linearSplit(this, input, limit);
    },
  }[Symbol.split],
);
pin(
  RegExpPrototype,
  "compile",
  {
    compile(pattern, flags) {
      return checkedRegExp(apply(nativeCompile, this, [pattern, flags]));
    },
  }.compile,
);

// new RegExp(...) and RegExp(...) refuse a pattern RE2 cannot run when it is made, not when first used.
const CheckedRegExp = new NativeProxy(NativeRegExp, {
  apply(target, self, args) {
    return checkedRegExp(apply(target, self, args));
  },
  construct(target, args, newTarget) {
    return checkedRegExp(construct(target, args, newTarget === CheckedRegExp ? target : newTarget));
  },
});
defineProperty(RegExpPrototype, "constructor", {
  value: CheckedRegExp,
  writable: true,
  enumerable: false,
  configurable: true,
});
defineProperty(globalThis, "RegExp", { value: CheckedRegExp, writable: true, enumerable: false, configurable: true });
