/**
 * realtime.js of every generated app: the app's side of schedules and channels (docs/appspec.md).
 * The app's host owns alarms and WebSockets (a facet can have neither); it calls in here to run a
 * schedule's action or a channel's onMessage action, and collects what actions broadcast.
 */
import { sessionDigestsOf } from "./accounts.js";
import { errorBody, HttpError, methodNotAllowed, notFound, SPEC } from "./model.js";

const SCHEDULES = SPEC.schedules ?? [];
const CHANNELS = SPEC.channels ?? [];
const KEY_HEADER = "x-aidevos-partition-key";
/**
 * On a platform call `message/{channel}` only (never a client's request): the digests of the session
 * tokens the member's upgrade carried (SESSIONS_HEADER in workers/deploy realtime-host.ts), comma-separated.
 */
const SESSIONS_HEADER = "x-aidevos-sessions";
/** Set by the app on a public response whose action broadcast; the host then asks for them. */
const BROADCASTS_HEADER = "x-aidevos-broadcasts";
/** Broadcasts of public requests held for the host; a host that never asks loses only the oldest. */
const MAX_HELD = 64;

/** Hands a public action's broadcasts to the host: held here under an id the response names. */
export function withBroadcasts(app, response, broadcasts) {
  if (broadcasts.length === 0) return response;
  if (app.ownHost) {
    deliverHere(app, broadcasts);
    return response;
  }
  const id = crypto.randomUUID();
  app.heldBroadcasts.set(id, broadcasts);
  if (app.heldBroadcasts.size > MAX_HELD) app.heldBroadcasts.delete(app.heldBroadcasts.keys().next().value);
  const tagged = new Response(response.body, response);
  tagged.headers.set(BROADCASTS_HEADER, id);
  return tagged;
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The action a schedule or channel names, as a match with no params. */
function namedAction(name) {
  const action = (SPEC.actions ?? []).find((a) => a.name === name);
  return action ? { action, params: {} } : null;
}

/** The error envelope of whatever an action threw (HttpError from runAction, always). */
function envelopeOf(err) {
  if (err instanceof HttpError) return errorBody(err);
  return { error: { code: "internal_error", message: "internal error", details: [] } };
}

/** A Response's text, or a returned value as channel text (strings as they are, others as JSON). */
async function replyOf(response) {
  if (response.status === 204) return undefined;
  return await response.text();
}

/**
 * The platform's realtime calls (app.js `internal`): `realtime` lists the spec's schedules and
 * channels; `schedule/{name}` and `message/{channel}` run an action and answer the outcome with
 * the broadcasts it made; `broadcasts/{id}` hands over those of a public request.
 */
export async function realtimeCall(app, request, name) {
  if (name === "realtime") return json(200, { schedules: SCHEDULES, channels: CHANNELS });
  if (request.method !== "POST") throw methodNotAllowed(["POST"]);
  const [kind, arg] = name.split("/");
  if (kind === "broadcasts") {
    const held = app.heldBroadcasts.get(arg) ?? [];
    app.heldBroadcasts.delete(arg);
    return json(200, { broadcasts: held });
  }
  const base = "http://app";
  if (kind === "schedule") {
    const outcome = await runSchedule(app, arg, partitionOf(request, "application/json"));
    // Its own host (on Cloudflare, run now by the platform): the members it holds get the broadcasts here.
    if (!app.ownHost) return json(200, outcome);
    deliverHere(app, outcome.broadcasts);
    return json(200, { ...outcome, broadcasts: [] });
  }
  if (kind === "message") {
    const channel = CHANNELS.find((c) => c.name === arg);
    if (!channel) throw notFound("channel " + arg);
    const match = channel.onMessage && namedAction(channel.onMessage);
    if (!match) throw notFound("onMessage of channel " + arg);
    const text = await request.text();
    const req = new Request(base + match.action.path, {
      method: "POST",
      headers: partitionOf(request, "text/plain; charset=utf-8"),
      body: text,
    });
    // A signed-in member's message runs as its user while the session lives (v3 accounts).
    const digests = (request.headers.get(SESSIONS_HEADER) ?? "").split(",").slice(0, 2);
    const user = app.accounts ? app.accounts.userOfDigests(digests) : null;
    return run(app, match, req, { message: text, user });
  }
  throw notFound("route /_aidevos/" + name);
}

/** The headers of the action's request: its content type, and the partition the host named (PARTITION_KEY_HEADER). */
function partitionOf(request, contentType) {
  const headers = { "content-type": contentType };
  const key = request.headers.get(KEY_HEADER);
  if (key !== null) headers[KEY_HEADER] = key;
  return headers;
}

/** Runs a schedule's action (a POST to its path with an empty JSON body): its outcome, as run() answers it. */
async function runSchedule(app, name, headers) {
  const schedule = SCHEDULES.find((s) => s.name === name);
  const match = schedule && namedAction(schedule.action);
  if (!match) throw notFound("schedule " + name);
  const req = new Request("http://app" + match.action.path, { method: "POST", headers, body: "{}" });
  return outcomeOf(app, match, req, { schedule: schedule.name });
}

async function outcomeOf(app, match, request, why) {
  const broadcasts = [];
  try {
    const response = await app.runAction(match, request, { ...why, broadcasts });
    return { ok: response.status < 400, reply: await replyOf(response), broadcasts };
  } catch (err) {
    return { ok: false, error: envelopeOf(err), broadcasts };
  }
}

async function run(app, match, request, why) {
  return json(200, await outcomeOf(app, match, request, why));
}

/** A plain GET of a channel (no upgrade reaches the app: the host takes those): 426, or 404 for none. */
export function channelRoute(parts) {
  if (parts[0] !== "channels" || parts.length !== 2) return null;
  if (!CHANNELS.some((c) => c.name === parts[1])) throw notFound("channel " + parts[1]);
  throw new HttpError(
    426,
    "upgrade_required",
    "channel " + parts[1] + " needs a WebSocket upgrade (Upgrade: websocket)",
    [],
    {
      upgrade: "websocket",
    },
  );
}

/*
 * On Cloudflare the app's Worker has no host around it: each App object is its own host, holding
 * its channel members (hibernation API) and its schedules' alarm, with the same behaviour as the
 * platform's host (workers/deploy/src/app-host/host.ts) gives a facet locally.
 */

const TAG_PREFIX = "channel:";
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Sends broadcasts to the members this object holds. */
export function deliverHere(app, broadcasts) {
  for (const { channel, data } of broadcasts) {
    for (const ws of app.ctx.getWebSockets(TAG_PREFIX + channel)) {
      try {
        ws.send(data);
      } catch {
        // A member going away misses it.
      }
    }
  }
}

/** A channel upgrade to an App that is its own host: 101 with a hibernating member, or null when not one. */
export async function upgradeHere(app, request, parts) {
  if (parts[0] !== "channels" || parts.length !== 2) return null;
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
  const channel = CHANNELS.find((c) => c.name === parts[1]);
  if (!channel) throw notFound("channel " + parts[1]);
  // Digests of its session tokens, never the tokens: each message is signed in while the session lives.
  const sessions = app.accounts ? (await sessionDigestsOf(request)).slice(0, 2) : [];
  const pair = new WebSocketPair();
  app.ctx.acceptWebSocket(pair[1], [TAG_PREFIX + channel.name]);
  pair[1].serializeAttachment({
    channel: channel.name,
    onMessage: channel.onMessage ?? null,
    key: request.headers.get(KEY_HEADER),
    sessions,
  });
  const protocol = (request.headers.get("sec-websocket-protocol") ?? "").split(",")[0].trim();
  return new Response(null, {
    status: 101,
    webSocket: pair[0],
    headers: protocol ? { "sec-websocket-protocol": protocol } : {},
  });
}

/** A member's frame, as the platform's host handles it: 1009 when too big, relay, or onMessage. */
export async function messageHere(app, ws, frame) {
  const member = ws.deserializeAttachment();
  if (!member) return;
  if (typeof frame !== "string") return ws.close(1003, "channels carry text frames");
  if (new TextEncoder().encode(frame).length > MAX_MESSAGE_BYTES) return ws.close(1009, "a message is at most 64 KiB");
  if (member.onMessage === null) {
    for (const other of app.ctx.getWebSockets(TAG_PREFIX + member.channel)) if (other !== ws) other.send(frame);
    return;
  }
  const headers = member.key ? { [KEY_HEADER]: member.key } : {};
  if (member.sessions?.length) headers[SESSIONS_HEADER] = member.sessions.join(",");
  const res = await realtimeCall(
    app,
    new Request("http://app/_aidevos/message/" + member.channel, { method: "POST", headers, body: frame }),
    "message/" + member.channel,
  );
  const outcome = await res.json();
  if (outcome.error) ws.send(JSON.stringify(outcome.error));
  else if (outcome.reply !== undefined) ws.send(outcome.reply);
  deliverHere(app, outcome.broadcasts);
}

/** The spec's schedules in this object's SQLite: new ones first run a period from now. */
export function adoptSchedulesHere(sql, now = Date.now()) {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS _schedules (name TEXT PRIMARY KEY, every_ms INTEGER NOT NULL, next_at INTEGER NOT NULL)",
  );
  sql.exec(
    "DELETE FROM _schedules WHERE name NOT IN (SELECT value FROM json_each(?))",
    JSON.stringify(SCHEDULES.map((s) => s.name)),
  );
  for (const s of SCHEDULES)
    sql.exec(
      "INSERT INTO _schedules (name, every_ms, next_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET every_ms = excluded.every_ms, next_at = MIN(next_at, excluded.next_at)",
      s.name,
      s.everySeconds * 1000,
      now + s.everySeconds * 1000,
    );
}

/** The earliest next run, or null. */
export function nextScheduleHere(sql) {
  return sql.exec("SELECT MIN(next_at) AS at FROM _schedules").one().at;
}

const KEY_STORED = "_partition_key";

/** A perKey app's object notes its key (index.js names the object after it) from its first request. */
export function notePartitionHere(app, request) {
  if (SPEC.partition !== "perKey" || app.partitionNoted) return;
  app.partitionNoted = true;
  const key = request.headers.get(KEY_HEADER);
  if (key !== null && app.ctx.storage.kv.get(KEY_STORED) !== key) app.ctx.storage.kv.put(KEY_STORED, key);
}

/** The partition an alarm runs in: what an action sees as ctx.key (null for a single app). */
function partitionKeyHere(app) {
  if (SPEC.partition !== "perKey") return null;
  return app.ctx.id.name ?? app.ctx.storage.kv.get(KEY_STORED) ?? null;
}

/** The mark of our structured line (SCHEDULE_RUN_MARK of ScheduleRunLine in @aidevos/core). */
const SCHEDULE_RUN_MARK = "aidevos.schedule-run";

/**
 * Runs the schedules that are due, each moved a period on first: a throwing run waits a period. Each
 * run logs one structured line (ScheduleRunLine in @aidevos/core: the schedule, the partition, the
 * outcome, the error's code and message, never a request or a secret); the platform's tail handler
 * records it in the app's monitor, as the platform's host records a local run.
 */
export async function runDueHere(app, now = Date.now()) {
  const due = app.sql.exec("SELECT name, every_ms FROM _schedules WHERE next_at <= ?", now).toArray();
  for (const row of due) app.sql.exec("UPDATE _schedules SET next_at = ? WHERE name = ?", now + row.every_ms, row.name);
  const key = partitionKeyHere(app);
  const headers = { "content-type": "application/json" };
  if (key !== null) headers[KEY_HEADER] = key;
  for (const row of due) {
    const started = Date.now();
    let outcome;
    try {
      outcome = await runSchedule(app, row.name, headers);
    } catch (err) {
      outcome = { ok: false, error: envelopeOf(err), broadcasts: [] };
    }
    console.log(JSON.stringify(scheduleRunLine(row.name, key, started, outcome)));
    deliverHere(app, outcome.broadcasts);
  }
}

function scheduleRunLine(schedule, key, started, outcome) {
  const line = { aidevos: SCHEDULE_RUN_MARK, schedule, key, at: started, ms: Date.now() - started, ok: outcome.ok };
  if (outcome.ok) return line;
  const error = outcome.error?.error ?? { code: "error", message: "the action answered an error status" };
  return { ...line, error: { code: String(error.code).slice(0, 60), message: String(error.message).slice(0, 300) } };
}
