// Type-checking only: handlers.js is written per app by the compiler (compile.ts, handlers()).

/** Each action's default export, by action name (from actions/<name>.js). */
export declare const HANDLERS: Record<string, (request: Request, ctx: object) => unknown>;
