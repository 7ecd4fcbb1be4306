/**
 * The quotas of a channel room (docs/security.md, Quotas): members per room and frames per second per
 * member. Over either, the socket is closed with 1008 (policy violation): one member's burst of 64 KiB
 * frames, fanned out to 2,000 members, was 625 MiB in 4.6 s.
 */
export const CLOSE_POLICY = 1008;

/**
 * A member that would pass AIDEVOS_MAX_ROOM_MEMBERS: the upgrade completes (a browser cannot read an
 * HTTP refusal of a WebSocket) and the socket closes at once with 1008 and the reason.
 */
export function roomFull(max: number, protocol: string | undefined): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  server.close(CLOSE_POLICY, `this room is full (${max} members, AIDEVOS_MAX_ROOM_MEMBERS)`);
  const headers: HeadersInit = protocol ? { "sec-websocket-protocol": protocol } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}

/**
 * Frames per member in the current second, in memory: a host woken from hibernation starts counting
 * afresh, which only ever lets a member send more in the second it wakes.
 */
export class FrameRate {
  private readonly seen = new WeakMap<WebSocket, { second: number; frames: number }>();

  /** Counts a frame; false when it is one too many for this second (the caller closes the member). */
  allow(ws: WebSocket, max: number, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    const entry = this.seen.get(ws);
    if (!entry || entry.second !== second) {
      this.seen.set(ws, { second, frames: 1 });
      return true;
    }
    entry.frames += 1;
    return entry.frames <= max;
  }
}
