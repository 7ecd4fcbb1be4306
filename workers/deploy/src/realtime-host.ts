import { MAX_CHANNEL_MESSAGE_BYTES, type RequestEvent, sha256Hex } from "@aidevos/core";
import { appMonitorOf } from "@aidevos/objects";

/** Where a host runs an app: the version and the partition (null for a single app). */
export interface Place {
  app: string;
  version: number;
  codeHash: string;
  key: string | null;
}

/** What a version's realtime.js lists (its spec's schedules and channels). */
export interface Realtime {
  schedules: { name: string; everySeconds: number; action: string }[];
  channels: { name: string; onMessage?: string }[];
}

/** What a schedule run or a channel message came to (realtime.js `run`). */
export interface Outcome {
  ok: boolean;
  reply?: string;
  error?: { error: { code: string; message: string } };
  broadcasts: { channel: string; data: string }[];
}

/** What a member's socket carries across hibernation. */
export interface Member extends Place {
  channel: string;
  onMessage: string | null;
  /**
   * v3: the SHA-256 digests of the user session tokens its upgrade carried (never the tokens): each
   * onMessage call hands them to the app, which signs the message in while a session lives.
   */
  sessions?: string[];
}

/** The platform's call `message/{channel}` carries the member's session digests here (realtime.js). */
export const SESSIONS_HEADER = "x-aidevos-sessions";

/**
 * The digests of the user session tokens of a channel upgrade, as the app's runtime reads tokens
 * (accounts.js): its Bearer token, then its `session` cookie; only the shape a session token has
 * (`aus_` and hex), so an app key sent as Bearer is never kept, not even as a digest.
 */
export async function sessionDigests(request: Request): Promise<string[]> {
  const tokens: string[] = [];
  const auth = request.headers.get("authorization") ?? "";
  if (auth.slice(0, 7).toLowerCase() === "bearer ") tokens.push(auth.slice(7).trim());
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at !== -1 && part.slice(0, at).trim() === "session") tokens.push(part.slice(at + 1).trim());
  }
  const shaped = tokens.filter((t) => /^aus_[0-9a-f]{1,196}$/.test(t)).slice(0, 2);
  return Promise.all(shaped.map((t) => sha256Hex(t)));
}

export const BROADCASTS_HEADER = "x-aidevos-broadcasts";
const TAG = (channel: string) => `channel:${channel}`;
/** Close codes (RFC 6455): the message was too big; the service restarts (a new version). */
const CLOSE_TOO_BIG = 1009;
export const CLOSE_NEW_VERSION = 1012;
const CLOSE_TEXT_ONLY = 1003;

/** Sends each broadcast to every member of its channel held by this host (sender included). */
export function deliver(ctx: DurableObjectState, broadcasts: Outcome["broadcasts"]): void {
  for (const { channel, data } of broadcasts) for (const ws of ctx.getWebSockets(TAG(channel))) trySend(ws, data);
}

function trySend(ws: WebSocket, data: string): void {
  try {
    ws.send(data);
  } catch {
    // A member that is going away misses the message; the others still get it.
  }
}

/** How many members of `channel` this host holds (the room's size). */
export function membersOf(ctx: DurableObjectState, channel: string): number {
  return ctx.getWebSockets(TAG(channel)).length;
}

/** Accepts a member of `channel` with the hibernation API: the host may sleep while it stays connected. */
export function acceptMember(ctx: DurableObjectState, member: Member, offered: string | null): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, [TAG(member.channel)]);
  server.serializeAttachment(member);
  // A client that offers subprotocols (a browser sends its app key as `key.<app key>`) must get one
  // back, or it fails the handshake: the first it offered.
  const protocol = offered?.split(",")[0]?.trim();
  const headers: HeadersInit = protocol ? { "sec-websocket-protocol": protocol } : {};
  return new Response(null, { status: 101, webSocket: client, headers });
}

/**
 * A member's frame: too big closes it (1009); without onMessage it is relayed to every other
 * member; with it, `callAction` runs the action and its reply (or error envelope) goes back.
 */
export async function onFrame(
  ctx: DurableObjectState,
  ws: WebSocket,
  frame: string | ArrayBuffer,
  callAction: (member: Member, text: string) => Promise<Outcome>,
): Promise<Member | null> {
  const member = ws.deserializeAttachment() as Member | null;
  if (!member) return null;
  if (typeof frame !== "string") {
    ws.close(CLOSE_TEXT_ONLY, "channels carry text frames");
    return member;
  }
  if (frame.length > MAX_CHANNEL_MESSAGE_BYTES || new TextEncoder().encode(frame).length > MAX_CHANNEL_MESSAGE_BYTES) {
    ws.close(CLOSE_TOO_BIG, "a message is at most 64 KiB");
    return member;
  }
  if (member.onMessage === null) {
    for (const other of ctx.getWebSockets(TAG(member.channel))) if (other !== ws) trySend(other, frame);
    return member;
  }
  const outcome = await callAction(member, frame);
  if (outcome.error) trySend(ws, JSON.stringify(outcome.error));
  else if (outcome.reply !== undefined) trySend(ws, outcome.reply);
  deliver(ctx, outcome.broadcasts);
  return member;
}

/** Closes every member this host holds: a new version serves the next connections. */
export function closeAll(ctx: DurableObjectState, code: number, reason: string): number {
  const sockets = ctx.getWebSockets();
  for (const ws of sockets) {
    try {
      ws.close(code, reason);
    } catch {
      // Already closing.
    }
  }
  return sockets.length;
}

/**
 * Channel counts for the app's monitor, summed in memory and sent at most about once a second, so
 * a busy room costs the monitor one call per second, not one per message.
 */
export class ChannelTally {
  private readonly deltas = new Map<string, { connected: number; closed: number; messages: number }>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly env: Env,
    private readonly ctx: DurableObjectState,
  ) {}

  add(app: string, channel: string, change: { connected?: number; closed?: number; messages?: number }): void {
    const d = this.deltas.get(`${app}\n${channel}`) ?? { connected: 0, closed: 0, messages: 0 };
    d.connected += change.connected ?? 0;
    d.closed += change.closed ?? 0;
    d.messages += change.messages ?? 0;
    this.deltas.set(`${app}\n${channel}`, d);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, 1000)).then(() => this.flush());
    this.ctx.waitUntil(this.flushing);
  }

  private async flush(): Promise<void> {
    this.flushing = null;
    const byApp = new Map<string, { channel: string; connected: number; closed: number; messages: number }[]>();
    for (const [id, d] of this.deltas) {
      const [app, channel] = id.split("\n") as [string, string];
      byApp.set(app, [...(byApp.get(app) ?? []), { channel, ...d }]);
    }
    this.deltas.clear();
    for (const [app, deltas] of byApp)
      await appMonitorOf(this.env, app)
        .channelActivity(deltas)
        .catch((err) => console.warn(`channel counts of ${app} were lost`, String(err)));
  }
}

/**
 * A schedule's run, in the app's monitor: an event as requests are recorded (a failure becomes an error
 * group named after the schedule) and the schedule's last run and errors. Wherever it ran: a host
 * here, the app's Worker on Cloudflare run now, or its alarm there (read from its tail).
 */
export async function recordScheduleRun(
  env: Env,
  place: Place,
  name: string,
  started: number,
  outcome: Outcome,
  ms = Date.now() - started,
): Promise<void> {
  const monitor = appMonitorOf(env, place.app);
  const event = scheduleEvent(place, name, started, outcome, ms);
  await Promise.all([
    monitor.record(place.app, [event]),
    monitor.scheduleRan(name, started, event.error?.message ?? null),
  ]).catch((err) => console.warn(`the run of schedule ${name} of ${place.app} was not recorded`, String(err)));
}

/** A schedule's run as the monitor records requests: failures become an error group named after it. */
function scheduleEvent(place: Place, name: string, started: number, outcome: Outcome, ms: number): RequestEvent {
  const failure = outcome.ok
    ? undefined
    : {
        message:
          `schedule ${name} failed: ${outcome.error?.error.code ?? "error"}: ${outcome.error?.error.message ?? ""}`.slice(
            0,
            300,
          ),
        frame: `schedule ${name}`,
      };
  return {
    at: started,
    version: place.version,
    method: "SCHEDULE",
    route: `SCHEDULE ${name}`,
    status: outcome.ok ? 200 : 500,
    ms,
    key: place.key,
    ...(failure ? { error: failure } : {}),
  };
}
