import type { RunEvent } from "@aidevos/core";

interface EventSource {
  after: number;
  read(after: number): Promise<RunEvent[]>;
  finished(): boolean;
  /** Resolves when something new was recorded. */
  changed(): Promise<void>;
}

const KEEPALIVE_MS = 15_000;

/**
 * A Server-Sent Events response: every event after `after`, then new ones as they are recorded,
 * ending once the run has finished and everything was sent. Each event's id is its sequence
 * number, so a client that reconnects with Last-Event-ID resumes where it stopped.
 */
export function eventStream(source: EventSource): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const send = (text: string) => writer.write(encoder.encode(text));

  const pump = async () => {
    let cursor = source.after;
    await send("retry: 1000\n\n");
    for (;;) {
      const batch = await source.read(cursor);
      for (const e of batch) {
        await send(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        cursor = e.seq;
      }
      if (batch.length > 0) continue;
      if (source.finished()) break;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const idle = new Promise<"idle">((resolve) => {
        timer = setTimeout(() => resolve("idle"), KEEPALIVE_MS);
      });
      const woke = await Promise.race([source.changed().then(() => "changed" as const), idle]);
      if (timer !== null) clearTimeout(timer);
      if (woke === "idle") await send(": keepalive\n\n");
    }
    await send("event: end\ndata: {}\n\n");
    await writer.close();
  };
  // A client that goes away makes a write fail: that ends the pump, nothing else to clean up.
  pump().catch(() => writer.abort().catch(() => undefined));

  return new Response(readable, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}
