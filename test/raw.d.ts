/** Vite's `?raw` imports (vitest transforms them in every project): a file's text. */
declare module "*?raw" {
  const text: string;
  export default text;
}
