/** Vite's `?raw` imports (vitest transforms them in every project): a file's text. */
declare module "*?raw" {
  const text: string;
  export default text;
}

/** Vite's `import.meta.glob` (vitest transforms it in every project): the matching modules, by path. */
interface ImportMeta {
  glob<T>(pattern: string, options: { eager: true; import: "default" }): Record<string, T>;
}
