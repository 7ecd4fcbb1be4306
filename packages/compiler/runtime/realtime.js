/**
 * realtime.js of every generated app: the app's side of schedules and channels (docs/appspec.md).
 * The app's host owns alarms and WebSockets (a facet can have neither); it calls in here to run a
 * schedule's action or a channel's onMessage action, and collects what actions broadcast.
 */
import { errorBody, HttpError, methodNotAllowed, notFound, SPEC } from "./model.js";

const SCHEDULES = SPEC.schedules ?? [];
const CHANNELS = SPEC.channels ?? [];
const KEY_HEADER = "x-aidevos-partition-key";
/** Set by the app on a public response whose action broadcast; the host then asks for them. */
const BROADCASTS_HEADER = "x-aidevos-broadcasts";
/** Broadcasts of public requests held for the host; a host that never asks loses only the oldest. */
const MAX_HELD = 64;

/** Hands a public action's broadcasts to the host: held here under an id the response names. */
export function withBroadcasts(app, response, broadcasts) {
  if (broadcasts.length === 0) return response;
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
    const schedule = SCHEDULES.find((s) => s.name === arg);
    const match = schedule && namedAction(schedule.action);
    if (!match) throw notFound("schedule " + arg);
    const req = new Request(base + match.action.path, {
      method: "POST",
      headers: partitionOf(request, "application/json"),
      body: "{}",
    });
    return run(app, match, req, { schedule: schedule.name });
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
    return run(app, match, req, { message: text });
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

async function run(app, match, request, why) {
  const broadcasts = [];
  try {
    const response = await app.runAction(match, request, { ...why, broadcasts });
    return json(200, { ok: response.status < 400, reply: await replyOf(response), broadcasts });
  } catch (err) {
    return json(200, { ok: false, error: envelopeOf(err), broadcasts });
  }
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
