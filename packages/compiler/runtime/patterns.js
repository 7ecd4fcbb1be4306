/**
 * patterns.js of an app whose spec has a `pattern`: RE2 for model.js, from the re2js package the
 * compiler ships beside it. An app without patterns gets a one-line stub instead (compile.ts), as
 * re2js is a large module that every cold start of the app would parse and instrument.
 */
export { RE2JS } from "./re2js.js";
