// Channel members for tests in workerd (a socket from a fetch upgrade) and in Node (`new WebSocket`): a member keeps
// every frame it got and the code it was closed with, and tests wait on those by polling, never by timing.

export interface Member {
  ws: WebSocket;
  inbox: string[];
  closed: number | null;
}

/** Starts recording a socket's frames and close code (before `accept()` in workerd, so no frame is missed). */
export function member(ws: WebSocket): Member {
  const m: Member = { ws, inbox: [], closed: null };
  ws.addEventListener("message", (e) => m.inbox.push(String(e.data)));
  ws.addEventListener("close", (e) => {
    m.closed = e.code;
  });
  return m;
}

/** Opens a client socket to `url` (ws:// or wss://) and resolves once it is open. */
export async function connect(url: string, protocols?: string[]): Promise<Member> {
  const ws = new WebSocket(url, protocols);
  const m = member(ws);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not join ${url}`)), { once: true });
  });
  return m;
}

/** Reads until `done` holds; past the deadline fails naming `what`, the last value and `context()` if given. */
export async function until<T>(
  read: () => T | Promise<T>,
  done: (v: T) => boolean,
  what: string,
  context: () => string = () => "",
  waitMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited for ${what}; last ${JSON.stringify(value)}${context()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The member's first `n` frames, once it has them. */
export const got = (m: Member, n: number, what: string, context?: () => string) =>
  until(
    () => m.inbox,
    (i) => i.length >= n,
    what,
    context,
  );

/** The code the member was closed with, once it is closed (the close event: after the TCP connection ends). */
export const closeCode = (m: Member, what: string, context?: () => string, waitMs?: number) =>
  until(
    () => m.closed,
    (c) => c !== null,
    what,
    context,
    waitMs,
  );
