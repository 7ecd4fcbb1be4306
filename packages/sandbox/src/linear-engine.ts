/// <reference path="./runtime-modules.d.ts" />
// re2js's ES module as its source text (package.json "imports"; wrangler's Text rule and the vitest
// plugin hand it over as text, as for the compiler's runtime).
// @ts-expect-error TypeScript sees re2js's typed exports; every bundler here hands over its text.
import RE2JS_SOURCE from "#runtime/re2js.js";
import { GUARD_MODULE } from "./guard";
import { instrumentModule } from "./instrument";

/** The module that brings the guard its linear-time regular expression engine (runtime/guard/linear-regexp.js). */
export const RE2_MODULE = "__aidevos_re2.js";

let source: string | undefined;

/**
 * re2js, instrumented like app code (every loop and function ticks, so a match charges the request's
 * budget for the work it does), handing its RE2JS class to the guard once evaluated. Entries import
 * it right after the guard, before any generated module runs. Built once per gateway isolate.
 */
export function linearEngineSource(): string {
  source ??= `${instrumentModule(RE2JS_SOURCE as string, RE2_MODULE)}
import { __aidevos_linear } from "./${GUARD_MODULE}";
__aidevos_linear(RE2JS);
`;
  return source;
}
