// The types of runtime/__aidevos_multipart.js (JavaScript, shipped as it is to uploaded app Workers and
// imported as code by the host's AppPlatform): one reader of multipart bodies for both platforms.
declare module "@aidevos/sandbox/multipart" {
  /** What a multipart create or update may hold, from the entity's spec (the app's files.js sends it). */
  export interface MultipartPlan {
    budget: number;
    budgetMessage: string;
    maxTextBytes: number;
    maxParts: number;
    /** Where staged blobs go: a prefix in the partition's scope, under the app's own prefix. */
    stagePrefix: string;
    /** Each key is the prefix and the field's name (a new record's own keys), else the prefix and a random id. */
    stageByName: boolean;
    files: Record<string, { maxBytes: number; contentTypes: string[] | null }>;
  }
  export type MultipartPart =
    | { name: string; text: string }
    | { name: string; file: { key: string; size: number; contentType: string; sha256: string } }
    | { name: string | null; refused: true };
  export type MultipartRead =
    | { ok: true; parts: MultipartPart[] }
    | { ok: false; status: number; code: string; message: string; details: { path: string; message: string }[] };
  type Stored =
    | { ok: true; size: number; sha256: string }
    | { ok: false; tooLarge?: true; stalled?: true; idleMs?: number };
  export function stageMultipart(
    body: ReadableStream<Uint8Array> | null,
    contentType: string,
    plan: MultipartPlan,
    put: (
      key: string,
      stream: ReadableStream<Uint8Array>,
      options: { contentType: string; maxBytes: number; length: null },
    ) => Promise<Stored>,
    drop: (keys: string[]) => Promise<void>,
    idleMs: number,
  ): Promise<MultipartRead>;
}
