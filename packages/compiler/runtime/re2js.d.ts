// Type-checking only: the compiler ships the re2js package's own module as re2js.js (compile.ts).
export { RE2JS } from "re2js";
