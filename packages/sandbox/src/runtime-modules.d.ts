// Modules imported through "#runtime/*" (re2js) arrive here as their source text, not as modules:
// see packages/compiler/src/compile.ts for how each bundler is told so.
declare module "#runtime/*" {
  const source: string;
  export default source;
}
