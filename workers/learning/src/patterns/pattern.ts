import type { AppSpecInput } from "@aidevos/core";

/**
 * The parts of AppSpec v2 that issue 17 adds (secrets, outbound, schedules, channels). A pattern may
 * use them before the schema on this branch knows them; such a pattern names them in `needs` and is
 * never built until the schema accepts its spec.
 */
interface LaterSpecParts {
  secrets?: string[];
  outbound?: string[];
  schedules?: { name: string; everySeconds: number; action: string }[];
  channels?: { name: string; onMessage?: string }[];
}

/** An architecture pattern the knowledge base ships: a whole app that is known to work, and how to find it. */
export interface SeedPattern {
  title: string;
  /** What the app does, in the words people use to ask for it (what full-text search matches). */
  summary: string;
  keywords: string[];
  /** A request this pattern answers. */
  request: string;
  /** AppSpec parts from issue 17 the spec relies on. */
  needs: (keyof LaterSpecParts)[];
  spec: AppSpecInput & LaterSpecParts;
}

/** An action's code: an ES module whose default export is `async (req, ctx)`. */
export function code(body: string): string {
  return `export default async (req, ctx) => {\n${body.trim()}\n};\n`;
}
