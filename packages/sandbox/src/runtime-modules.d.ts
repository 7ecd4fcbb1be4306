// Modules imported through "#runtime/*" (re2js) and "#sandbox/*" (the guard and our entry's runtime,
// runtime/*.js) arrive here as their source text, not as modules: see src/guard.ts.
declare module "#runtime/*" {
  const source: string;
  export default source;
}
declare module "#sandbox/*" {
  const source: string;
  export default source;
}
