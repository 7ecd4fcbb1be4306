/**
 * Our entry's runtime for an app: the generated entry (worker-code.ts, appEntry) imports the guard
 * first (so its hardening runs before any generated module), then the app's main module, then this;
 * it hands guardedClass the bundle's Durable Object class and guardedHandler its default handler.
 * Each call into them runs inside a fresh per-request budget, and a tripped guard becomes a 503 JSON
 * error, so an endless loop or an allocation bomb costs one failed request, not the runtime. What
 * varies by app (the budget, the files prefix, the room quotas) is in __aidevos_config.js.
 */
import CONFIG from "./__aidevos_config.js";
import { filesPlatform } from "./__aidevos_files.js";
import {
  __aidevos_bounded,
  __aidevos_isSpent,
  __aidevos_memorySpent,
  __aidevos_outbound,
  __aidevos_platformCall,
  __aidevos_secretsSeen,
  __aidevos_timedOut,
  __aidevos_within,
} from "./__aidevos_guard.js";

const BUDGET = CONFIG.budget;
const FILES_PREFIX = CONFIG.filesPrefix;

/*
 * The entry's part of the app's platform. The platform token is never in the env an app's class or
 * handler gets. The class gets `env.PLATFORM`: locally the host's AppPlatform stub (or none, for a
 * bundle without a spec); on Cloudflare (no host) one built here over the Worker's secrets and the
 * guard's allow-listed fetch, which only this module can import. App code sees `ctx`, never `env`;
 * the env is a frozen object without a prototype, so no getter planted on Object.prototype can
 * catch it. Even if code reached it, its fetch reaches the spec's outbound origins only, as ctx.fetch does.
 * The default handler (the runtime's index.js) is told a verified platform call by
 * `AIDEVOS_PLATFORM_CALL`: the /_aidevos/ paths are refused from anyone else, here and there.
 */
const PLATFORM_TOKEN_SECRET = CONFIG.platformTokenSecret;
const PLATFORM_TOKEN_HEADER = CONFIG.platformTokenHeader;
const INTERNAL = /^(\/k\/[^/]*)?\/_aidevos(\/|$)/;

function withoutToken(env) {
  const own = Object.create(null);
  if (env !== null && typeof env === "object")
    for (const name of Object.keys(env)) if (name !== PLATFORM_TOKEN_SECRET) own[name] = env[name];
  return own;
}

function appEnv(env) {
  const own = withoutToken(env);
  // A host around the app (locally: EXPIRY says so) hands it its platform, or none; without one, it is built here.
  if (own.PLATFORM === undefined && own.EXPIRY === undefined) {
    const secrets = Object.create(null);
    for (const name of Object.keys(own)) if (typeof own[name] === "string") secrets[name] = own[name];
    Object.freeze(secrets);
    __aidevos_secretsSeen(secrets);
    // The app's files: the Worker's APP_FILES bucket under the app's own prefix (both from the deployer).
    const files = own.APP_FILES && FILES_PREFIX ? filesPlatform(own.APP_FILES, FILES_PREFIX) : {};
    own.PLATFORM = Object.freeze({
      ...files,
      secrets: async () => secrets,
      outbound: (request) => __aidevos_outbound(request),
    });
    delete own.APP_FILES;
  } else if (own.PLATFORM !== null && typeof own.PLATFORM === "object") {
    own.PLATFORM = tellingSecrets(own.PLATFORM);
  }
  return Object.freeze(own);
}

/**
 * The host's platform, as it is, except that the secret values it hands over are told to the guard
 * first, which then keeps them out of the app's console output (runtime/guard/console.js).
 */
function tellingSecrets(platform) {
  const secrets = async () => {
    const values = await platform.secrets();
    __aidevos_secretsSeen(values);
    return values;
  };
  return new Proxy(Object.create(null), {
    get(_, key) {
      if (key === "secrets") return secrets;
      const value = platform[key];
      return typeof value === "function" ? (...args) => platform[key](...args) : value;
    },
  });
}

function handlerEnv(env, platformCall) {
  const own = withoutToken(env);
  if (platformCall) own.AIDEVOS_PLATFORM_CALL = true;
  return Object.freeze(own);
}

/*
 * The room quotas in the entry of an app that is its own host, as workers/deploy/src/room-limits holds
 * them for the platform's host: a member past the cap is accepted and closed at once with 1008 (a
 * browser cannot read an HTTP refusal of a WebSocket); a member sending more frames a second than the
 * cap is closed with 1008. Frames are counted in memory: a woken object starts counting afresh.
 */
const ROOM_MEMBERS = CONFIG.roomMembers;
const FRAMES_PER_SECOND = CONFIG.framesPerSecond;
const CHANNEL_PATH = /\/channels\/([^/]+)$/;
const frameCounts = new WeakMap();

function roomFull(ctx, request) {
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
  const match = CHANNEL_PATH.exec(new URL(request.url).pathname);
  if (!match) return null;
  let members;
  try {
    members = ctx.getWebSockets(`channel:${decodeURIComponent(match[1])}`).length;
  } catch {
    return null;
  }
  if (members < ROOM_MEMBERS) return null;
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(1008, `this room is full (${ROOM_MEMBERS} members, AIDEVOS_MAX_ROOM_MEMBERS)`);
  const protocol = (request.headers.get("sec-websocket-protocol") ?? "").split(",")[0].trim();
  return new Response(null, {
    status: 101,
    webSocket: pair[0],
    headers: protocol ? { "sec-websocket-protocol": protocol } : {},
  });
}

function tooManyFrames(ws) {
  const second = Math.floor(Date.now() / 1000);
  const seen = frameCounts.get(ws);
  if (!seen || seen.second !== second) {
    frameCounts.set(ws, { second, frames: 1 });
    return false;
  }
  seen.frames += 1;
  if (seen.frames <= FRAMES_PER_SECOND) return false;
  try {
    ws.close(1008, `more than ${FRAMES_PER_SECOND} frames a second (AIDEVOS_MAX_FRAMES_PER_SECOND)`);
  } catch {
    // Frames sent before the close still arrive: the member is already closing.
  }
  return true;
}

function limited(tripped) {
  const memory = tripped.kind === "memory";
  const error = memory
    ? {
        code: "memory_limit_exceeded",
        message: "the app tried to allocate more memory than its sandbox allows",
        details: [],
      }
    : {
        code: "cpu_limit_exceeded",
        message: "the app used more CPU than its sandbox allows (an endless loop?)",
        details: [],
      };
  return Response.json({ error }, { status: 503 });
}

/** On our answer only: the isolate is spent, its host must load a fresh one (MEMORY_RELOAD_HEADER). */
const RELOAD = CONFIG.reloadHeader;

/** The isolate held more than its budget: its app state was reset, or (reload) the host must load a fresh isolate. */
function spentAnswer(reload) {
  const error = {
    code: "memory_limit_exceeded",
    message: "the app kept more memory across requests than its sandbox allows; its module-level state starts again",
    details: [],
  };
  return Response.json({ error }, { status: 503, headers: reload ? { [RELOAD]: "memory" } : {} });
}

/** An app's own answer never tells the host to reload. */
function withoutReload(response) {
  if (!(response instanceof Response) || !response.headers.has(RELOAD)) return response;
  const copy = new Response(response.body, response);
  copy.headers.delete(RELOAD);
  return copy;
}

function timedOut() {
  const error = {
    code: "timeout",
    message: "the app did not answer within its deadline; the work it started was stopped",
    details: [],
  };
  return Response.json({ error }, { status: 504 });
}

function answer(probe, response) {
  if (response === __aidevos_timedOut) return timedOut();
  const tripped = probe.tripped();
  return tripped ? limited(tripped) : withoutReload(response);
}

// A spent isolate runs no more app code; the request that found it over its budget answers 503 too.
function guarded(run) {
  if (__aidevos_isSpent()) return spentAnswer(true);
  return __aidevos_within(BUDGET, async (probe) => {
    let response;
    try {
      response = answer(probe, await __aidevos_bounded(run));
    } catch (err) {
      const tripped = probe.tripped();
      if (!tripped) {
        const memory = await __aidevos_memorySpent();
        if (memory > 0) return spentAnswer(memory === 2);
        throw err;
      }
      response = limited(tripped);
    }
    const memory = await __aidevos_memorySpent();
    return memory > 0 ? spentAnswer(memory === 2) : response;
  });
}

/** An invocation without an answer (an alarm, a frame): bounded like a request, past its deadline it just ends. */
function quiet(run) {
  if (__aidevos_isSpent()) return undefined;
  return __aidevos_within(BUDGET, async () => {
    try {
      const result = await __aidevos_bounded(run);
      return result === __aidevos_timedOut ? undefined : result;
    } finally {
      await __aidevos_memorySpent();
    }
  });
}

/** The bundle's Durable Object class (the app's `className` export), each call into it guarded. */
export function guardedClass(Inner) {
  class Guarded extends Inner {
    // The app's constructor runs inside a budget: super() is called from the arrow (valid JavaScript),
    // which TypeScript's check of derived constructors does not follow.
    // @ts-expect-error TS2377
    // biome-ignore lint/correctness/noUnreachableSuper: super() runs in the budget's arrow, on every path.
    constructor(ctx, env) {
      __aidevos_within(BUDGET, () => {
        // @ts-expect-error TS2337
        super(ctx, appEnv(env));
      });
    }

    fetch(request) {
      return roomFull(this.ctx, request) ?? guarded(() => super.fetch(request));
    }

    alarm(info) {
      return quiet(() => (typeof super.alarm === "function" ? super.alarm(info) : undefined));
    }

    // The platform's calls into the app, by RPC only (the runtime's app.js): a budget of their own.
    // A class without them (a bundle of its own code) answers as a runtime from before them did: 404.
    platformCall(name, request) {
      if (typeof super.platformCall !== "function")
        return Response.json(
          { error: { code: "not_found", message: "route not found", details: [] } },
          { status: 404 },
        );
      return guarded(() => super.platformCall(name, request));
    }

    // Channel members of an app that is its own host (its Worker on Cloudflare): each frame has a budget too.
    webSocketMessage(ws, message) {
      if (tooManyFrames(ws)) return;
      return quiet(() =>
        typeof super.webSocketMessage === "function" ? super.webSocketMessage(ws, message) : undefined,
      );
    }

    webSocketClose(ws, code, reason, wasClean) {
      return quiet(() =>
        typeof super.webSocketClose === "function" ? super.webSocketClose(ws, code, reason, wasClean) : undefined,
      );
    }
  }
  return Guarded;
}

/** The bundle's default handler (the main module's default export), its requests guarded and its /_aidevos/ paths the platform's alone. */
export function guardedHandler(handler) {
  return {
    async fetch(request, env, ctx) {
      const internal = INTERNAL.test(new URL(request.url).pathname);
      if (internal && !(await __aidevos_platformCall(request, env ? env[PLATFORM_TOKEN_SECRET] : undefined)))
        return Response.json(
          { error: { code: "not_found", message: "route not found", details: [] } },
          { status: 404 },
        );
      const own = new Request(request);
      own.headers.delete(PLATFORM_TOKEN_HEADER);
      return guarded(() => handler.fetch(own, handlerEnv(env, internal), ctx));
    },
  };
}
