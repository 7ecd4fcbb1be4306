// Type-checking only: samples.js is written per app by the compiler (compile.ts, samples()).
type FieldSamples = { valid: unknown; wrongType: unknown; invalid: [string, unknown][] };

/** Valid, wrongly typed and invalid values per field, per entity name. */
export declare const SAMPLES: Record<
  string,
  { valid: Record<string, unknown> | null; fields: Record<string, FieldSamples> }
>;
