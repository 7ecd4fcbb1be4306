// Type-checking only (runtime/tsconfig.json): spec.js is written per app by the compiler (compile.ts).
import type { AppSpec } from "@aidevos/core";

/** The app's AppSpec, as JSON. */
export declare const SPEC: AppSpec;
