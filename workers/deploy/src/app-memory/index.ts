import { MEMORY_RELOAD_HEADER } from "@aidevos/sandbox";

/**
 * An app's isolate over its memory budget (the guard's walk, packages/sandbox runtime/guard/memory.js)
 * answers 503 `memory_limit_exceeded` with MEMORY_RELOAD_HEADER; its host then loads the app into a
 * fresh isolate, under a new Worker id (`app:<hash>#<n>`), so the next request starts with empty
 * module-level state. Other hosts of the same app that still use the spent isolate get the same
 * answer once and move on the same way; other apps run in isolates of their own and see nothing.
 */
export class IsolateReloads {
  private count = 0;

  /** The Worker id to load the app under: the code's id, then a fresh one after each reload. */
  workerId(base: string): string {
    return this.count === 0 ? base : `${base}#${this.count}`;
  }

  /** The facet's answer without the header; `reload` says whether the isolate must be replaced. */
  seen(response: Response): { response: Response; reload: boolean } {
    if (!response.headers.has(MEMORY_RELOAD_HEADER)) return { response, reload: false };
    this.count += 1;
    const answer = new Response(response.body, response);
    answer.headers.delete(MEMORY_RELOAD_HEADER);
    return { response: answer, reload: true };
  }
}
