// The runtime modules (packages/compiler/runtime/*.js) arrive here as their source text, not as modules:
// see the comment in compile.ts for how each bundler is told so.
declare module "#runtime/*" {
  const source: string;
  export default source;
}
