import type { RunEvent } from "@aidevos/core";

interface EventSource {
  after: number;
  read(after: number): Promise<RunEvent[]>;
  finished(): boolean;
  /** Calls `wake` once when something new is recorded; the returned function unsubscribes. */
  subscribe(wake: () => void): () => void;
  /** Called once when the stream ends, by the run finishing or the client going away. */
  closed(): void;
}

const KEEPALIVE_MS = 15_000;

/**
 * A Server-Sent Events response: every event after `after`, then new ones as they are recorded,
 * ending once the run has finished and everything was sent. Each event's id is its sequence
 * number, so a client that reconnects with Last-Event-ID resumes where it stopped.
 *
 * The stream is pulled: nothing is read or waited for until the client wants more. A client that
 * goes away cancels it, which ends any wait at once: its keepalive timer is cleared and its
 * subscription dropped, so an aborted client holds nothing until the next event or keepalive.
 */
export function eventStream(source: EventSource): Response {
  const encoder = new TextEncoder();
  let cursor = source.after;
  let opened = false;
  let ended = false;
  let stopWaiting: (() => void) | null = null;

  const end = () => {
    if (ended) return;
    ended = true;
    stopWaiting?.();
    source.closed();
  };

  /** Resolves on a new event, at the keepalive, or when the stream ends; releases both others. */
  const nextChange = () =>
    new Promise<"changed" | "idle" | "ended">((resolve) => {
      const finish = (why: "changed" | "idle" | "ended") => {
        clearTimeout(timer);
        unsubscribe();
        stopWaiting = null;
        resolve(why);
      };
      const timer = setTimeout(() => finish("idle"), KEEPALIVE_MS);
      const unsubscribe = source.subscribe(() => finish("changed"));
      stopWaiting = () => finish("ended");
    });

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const send = (text: string) => controller.enqueue(encoder.encode(text));
        if (!opened) {
          opened = true;
          send("retry: 1000\n\n");
          return;
        }
        while (!ended) {
          const batch = await source.read(cursor);
          if (ended) return;
          if (batch.length > 0) {
            for (const e of batch) send(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
            cursor = batch[batch.length - 1]!.seq;
            return;
          }
          if (source.finished()) {
            send("event: end\ndata: {}\n\n");
            controller.close();
            end();
            return;
          }
          if ((await nextChange()) === "idle") {
            send(": keepalive\n\n");
            return;
          }
        }
      },
      cancel: end,
    },
    { highWaterMark: 0 },
  );

  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
