import { DurableObject } from "cloudflare:workers";
import {
  type AppSpec,
  type AppStorage,
  type CodeBundle,
  type ErrorDetail,
  PARTITION_KEY_HEADER,
  PartitionKey,
  setting,
  type UsersAnswer,
} from "@aidevos/core";
import { appControlOf, appHostOf, appMonitorOf, registryOf } from "@aidevos/objects";
import type { LiveVersion } from "@aidevos/registry";
import { type UsersCall, usersAnswer, usersRequest } from "../accounts";
import { keyDigest } from "../app-access";
import { Partitions, storedOf, withoutStored } from "../partitions";
import {
  acceptMember,
  BROADCASTS_HEADER,
  ChannelTally,
  CLOSE_NEW_VERSION,
  closeAll,
  deliver,
  type Member,
  membersOf,
  type Outcome,
  onFrame,
  type Place,
  type Realtime,
  recordScheduleRun,
  SESSIONS_HEADER,
  sessionDigests,
} from "../realtime-host";
import { CLOSE_POLICY, FrameRate, roomFull } from "../room-limits";
import { ScheduleClock } from "../schedule-clock";
import { type AppFacet, AppFacets, unfollowed } from "./facets";
import { appKeyOf, decodeKey, errorResponse, INTERNAL_PATH, internalRefused, pick } from "./request-rules";
import type { LiveTarget, Routed, SchedulePlaces, ScheduleRun } from "./types";

/** The live version a channel upgrade is for, as JSON: the gateway asked the app's host (internal only). */
export const LIVE_HEADER = "x-aidevos-live";
/** Where this host last served the live version: its schedules run there. */
const PLACE = "place";
/** A key's host: whether its partition has ever stored data (only then does it run schedules). */
const STORES = "stores";
/** A key's host: the size it last told the app's host, when a schedule or a message wrote. */
const REPORTED = "reported";
/** How far a partition's size moves before a schedule's or a message's write is told to the app's host. */
const REPORT_STEP_BYTES = 64 * 1024;

const POINTER = "live";
/**
 * How old the pointer may be before a request also asks the Registry in the background. Deploys,
 * rollbacks and promotions push the pointer at once; this only heals a push lost to a crash.
 */
const REVALIDATE_MS = 60_000;

/**
 * Runs one partition of a deployed app (the whole app, or one key of a perKey app).
 * The app's Durable Object class is loaded from its bundle into a sandboxed dynamic Worker and
 * run as a facet of this object, so its SQLite data belongs to this host and outlives versions:
 * a new version aborts the facet and the next request starts the new class on the same data.
 *
 * The app's own host (named after the app) also holds the app's live pointer, so serving a request
 * costs one call to this object and none to the global Registry.
 */
export class AppHostDO extends DurableObject<Env> {
  private readonly facets: AppFacets;
  /** Undefined until known; null while the Registry has no such app (kept in memory only). */
  private pointer: LiveVersion | null | undefined;
  private checkedAt = 0;
  /** The app's own host: the partitions of the app, with their sizes (partitions/index.ts). */
  private readonly partitions: Partitions;
  /** Digests of the app's access keys (app's own host only), as AppControlDO last said; undefined until asked. */
  private keys: { digests: Set<string>; generation: number } | undefined;
  private readonly clock: ScheduleClock;
  private readonly tally: ChannelTally;
  private readonly frameRate = new FrameRate();
  /** The code whose schedules this host has adopted since it started. */
  private armedFor: string | null = null;
  /** Each version's schedules and channels, asked of its realtime.js once. */
  private readonly realtimeOf = new Map<string, Realtime>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.facets = new AppFacets(ctx, env);
    this.clock = new ScheduleClock(ctx.storage);
    this.tally = new ChannelTally(env, ctx);
    // A synchronous read: nothing can interleave, and hosts never told a pointer write nothing.
    this.pointer = ctx.storage.kv.get<LiveVersion>(POINTER);
    this.partitions = new Partitions(ctx.storage.sql);
  }

  /** The Registry's word on what this app serves; an older word never replaces a newer one. */
  async setLive(live: LiveVersion): Promise<void> {
    this.adopt(live);
  }

  /** What this app serves now, as this host knows it. */
  async live(app: string): Promise<LiveVersion | null> {
    return this.current(app);
  }

  /**
   * What a channel upgrade of one key connects to: the live version, with the key noted for its
   * members (they must hear of the next version even if the key never stored anything).
   */
  async liveForKey(app: string, key: string): Promise<LiveVersion | null> {
    const live = await this.current(app);
    if (live?.partition === "perKey") this.partitions.noteMembers(key);
    return live;
  }

  /**
   * What a partition stores after a write the gateway did not route through here: a key's host after
   * a schedule's or a message's write, or the dispatch route on Cloudflare (key null: a single app).
   */
  async partitionStored(key: string | null, bytes: number): Promise<void> {
    this.partitions.noteStored(key, bytes);
  }

  /** Why a write to the partition would pass a quota (the dispatch route asks before the app's Worker), or null. */
  async refusal(key: string | null, method: string): Promise<string | null> {
    return this.partitions.refusal(this.env, key, method);
  }

  /** The app's partitions and bytes against their quotas (the app page). */
  async storage(app: string): Promise<AppStorage | null> {
    const live = await this.current(app);
    return live ? this.partitions.storage(this.env, live.partition === "single") : null;
  }

  /**
   * Serves a request for `app` (its URL relative to the app's base) with the live version. A perKey
   * app's requests carry `/k/{key}` first and go on to that key's host, which keeps its data apart.
   */
  async route(app: string, request: Request): Promise<Routed> {
    const live = await this.current(app);
    if (!live) return { kind: "no_app" };
    if (INTERNAL_PATH.test(new URL(request.url).pathname)) return internalRefused(live, request);
    if (live.access === "key") {
      const refused = await this.authorize(app, request);
      if (refused) return refused;
    }
    const url = new URL(request.url);
    if (live.partition === "single") {
      // Only the host says which partition a request is for (an action's ctx.key): never the client.
      const own = request.headers.has(PARTITION_KEY_HEADER) ? new Request(request) : request;
      own.headers.delete(PARTITION_KEY_HEADER);
      const refused = this.partitions.refusal(this.env, null, request.method);
      if (refused) return { kind: "quota_exceeded", message: refused };
      return this.counted(
        request.method,
        null,
        await this.served(live, null, url.pathname, () => this.serve(own, live)),
      );
    }
    const match = /^\/k\/([^/]*)(\/.*)?$/.exec(url.pathname);
    if (!match) return { kind: "no_key" };
    const key = PartitionKey.safeParse(decodeKey(match[1]!));
    if (!key.success) return { kind: "bad_key" };
    // A key is not a partition until it stores data: a read of a key never written records nothing.
    const refused = this.partitions.refusal(this.env, key.data, request.method);
    if (refused) return { kind: "quota_exceeded", message: refused };
    const path = match[2] ?? "/";
    // The path is set on a copy of the URL, never parsed as a reference: `//x/…` stays a path.
    const inner = new URL(url);
    inner.pathname = path;
    const forwarded = new Request(inner, request);
    forwarded.headers.set(PARTITION_KEY_HEADER, key.data);
    return this.counted(
      request.method,
      key.data,
      await this.served(live, key.data, path, () => appHostOf(this.env, app, key.data).serve(forwarded, live)),
    );
  }

  /** What the partition's answer says it stores, noted here and taken off the answer. */
  private counted(method: string, key: string | null, routed: Routed): Routed {
    if (routed.kind !== "served") return routed;
    const bytes = storedOf(method, routed.response);
    if (bytes !== null) this.partitions.noteStored(key, bytes);
    return { ...routed, response: withoutStored(routed.response) };
  }

  /**
   * An `access: "key"` app takes `Authorization: Bearer <app key>`, or from browsers opening a channel
   * the WebSocket subprotocol `key.<app key>`. Checked against the key digests AppControlDO pushes here
   * on every create and revoke, so a revoked key fails from the next request on.
   */
  async authorize(app: string, request: Request): Promise<Routed | null> {
    const given = appKeyOf(request);
    if (!given) return { kind: "unauthorized", keySent: false };
    const keys = this.keys ?? (await this.loadKeys(app));
    return keys.digests.has(await keyDigest(given)) ? null : { kind: "unauthorized", keySent: true };
  }

  /** AppControlDO's word on the app's keys; an older word (a load that raced a revoke) never replaces a newer one. */
  async setKeyDigests(digests: string[], generation: number): Promise<void> {
    if (this.keys && this.keys.generation >= generation) return;
    this.keys = { digests: new Set(digests), generation };
  }

  private async loadKeys(app: string): Promise<{ digests: Set<string>; generation: number }> {
    const { digests, generation } = await appControlOf(this.env, app).keyDigests();
    await this.setKeyDigests(digests, generation);
    return this.keys!;
  }

  /** The accounts management API (accounts/): a call on the users of the app, or of one key of a perKey app. */
  async users(app: string, key: string | null, call: UsersCall): Promise<UsersAnswer> {
    const live = await this.current(app);
    if (!live) return { kind: "no_app" };
    if (live.partition === "perKey" && key === null) return { kind: "needs_key" };
    const { name, request } = usersRequest(call, key);
    const answer =
      key === null
        ? await this.platformCallHere(name, request, live)
        : await appHostOf(this.env, app, key).platformCallHere(name, request, live);
    // Users are data too: a key whose users call stored one becomes a partition.
    const bytes = storedOf(request.method, answer);
    if (bytes !== null) this.partitions.noteStored(key, bytes);
    return usersAnswer(withoutStored(answer));
  }

  /** Serves a request for the live version; the bundle is read from the Registry only on a cold load. */
  async serve(request: Request, target: LiveTarget): Promise<Response> {
    const response = await this.facetFetch(request, target);
    const key = request.headers.get(PARTITION_KEY_HEADER);
    // A key's host runs schedules only once its partition stores data (the app's host counts it).
    if (key !== null && (storedOf(request.method, response) ?? 0) > 0) this.ctx.storage.kv.put(STORES, true);
    if (key === null || this.ctx.storage.kv.get<boolean>(STORES))
      this.noteServed({ app: target.app, version: target.version, codeHash: target.codeHash, key });
    const held = response.headers.get(BROADCASTS_HEADER);
    if (held === null) return response;
    // An action broadcast: its messages go to this partition's members before the answer does.
    const outcome = await this.call({ ...target, key }, `broadcasts/${held}`, "");
    deliver(this.ctx, outcome.broadcasts);
    const answer = new Response(response.body, response);
    answer.headers.delete(BROADCASTS_HEADER);
    return answer;
  }

  private async facetFetch(request: Request, target: LiveTarget): Promise<Response> {
    return this.facets.answered(await this.liveFacet(target).fetch(unfollowed(request)));
  }

  /**
   * The platform's call `name` into the live version's facet (app.js platformCall), by RPC: no HTTP
   * path leads there, so no public request can reach it, however its path is spelled.
   */
  private async facetCall(name: string, request: Request, target: LiveTarget): Promise<Response> {
    return this.facets.answered(await this.liveFacet(target).platformCall(name, request));
  }

  /** A platform call into this partition's live version (the app's own host hands calls for a key here). */
  async platformCallHere(name: string, request: Request, target: LiveTarget): Promise<Response> {
    return this.facetCall(name, request, target);
  }

  private liveFacet(target: LiveTarget): Fetcher<AppFacet> {
    return this.facets.get(target.codeHash, async () => {
      const bundle = await registryOf(this.env).getBundle(target.app, target.version);
      if (!bundle) throw new Error(`bundle of ${target.app} v${target.version} is missing`);
      return bundle;
    });
  }

  /**
   * A channel upgrade for this partition (the gateway sends it here with the live version in
   * LIVE_HEADER): a member held with the hibernation API; 404 for a channel the version lacks.
   */
  override async fetch(request: Request): Promise<Response> {
    const live = JSON.parse(request.headers.get(LIVE_HEADER) ?? "null") as LiveTarget | null;
    if (!live) return errorResponse(404, "not_found", "no such app");
    const place: Place = { ...pick(live), key: request.headers.get(PARTITION_KEY_HEADER) };
    const name = decodeKey(new URL(request.url).pathname.split("/")[2] ?? "");
    const channel = (await this.realtime(place)).channels.find((c) => c.name === name);
    if (!channel) return errorResponse(404, "not_found", `channel ${name.slice(0, 40)} not found`);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return errorResponse(426, "upgrade_required", `channel ${name} needs a WebSocket upgrade (Upgrade: websocket)`);
    const maxMembers = setting(this.env, "AIDEVOS_MAX_ROOM_MEMBERS");
    if (membersOf(this.ctx, name) >= maxMembers)
      return roomFull(maxMembers, request.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim());
    this.tally.add(place.app, name, { connected: 1 });
    return acceptMember(
      this.ctx,
      { ...place, channel: name, onMessage: channel.onMessage ?? null, sessions: await sessionDigests(request) },
      request.headers.get("sec-websocket-protocol"),
    );
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const maxFrames = setting(this.env, "AIDEVOS_MAX_FRAMES_PER_SECOND");
    if (!this.frameRate.allow(ws, maxFrames)) {
      try {
        ws.close(CLOSE_POLICY, `more than ${maxFrames} frames a second (AIDEVOS_MAX_FRAMES_PER_SECOND)`);
      } catch {
        // Frames sent before the close still arrive: the member is already closing.
      }
      return;
    }
    const member = await onFrame(this.ctx, ws, message, (m: Member, text: string) =>
      this.call(m, `message/${encodeURIComponent(m.channel)}`, text, m.sessions ?? []),
    );
    if (member) this.tally.add(member.app, member.channel, { messages: 1 });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const member = ws.deserializeAttachment() as Member | null;
    if (member) this.tally.add(member.app, member.channel, { closed: 1 });
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  /**
   * Runs a schedule now (the management API): here for a single app, else in one key or in every
   * partition that holds data, eight at a time; answers once all have run.
   */
  async runSchedule(app: string, name: string, key: string | null): Promise<ScheduleRun> {
    const where = await this.schedulePlaces(app, name, key);
    if (where.kind !== "places") return where;
    const { places } = where;
    for (let i = 0; i < places.length; i += 8)
      await Promise.all(
        places
          .slice(i, i + 8)
          .map((p) =>
            p.key === null ? this.runScheduleHere(p, name) : appHostOf(this.env, app, p.key).runScheduleHere(p, name),
          ),
      );
    return { kind: "ran", partitions: places.length };
  }

  /**
   * Where a schedule runs now: the live version, in the app (single) or in one key or every partition
   * that holds data (perKey); or why it cannot run. Run here, or in the app's Worker on Cloudflare.
   */
  async schedulePlaces(app: string, name: string, key: string | null): Promise<SchedulePlaces> {
    const live = await this.current(app);
    if (!live) return { kind: "no_app" };
    const place: Place = { ...pick(live), key: null };
    if (!(await this.realtime(place)).schedules.some((s) => s.name === name)) return { kind: "no_schedule" };
    if (live.partition === "single") return { kind: "places", places: [place] };
    const keys = key !== null ? [key] : this.partitions.withData();
    return { kind: "places", places: keys.map((k) => ({ ...place, key: k })) };
  }

  /** Runs one schedule in this partition; the outcome goes to the app's monitor. */
  async runScheduleHere(place: Place, name: string): Promise<boolean> {
    const started = Date.now();
    const outcome = await this.call(place, `schedule/${encodeURIComponent(name)}`, "{}");
    deliver(this.ctx, outcome.broadcasts);
    await recordScheduleRun(this.env, place, name, started, outcome);
    return outcome.ok;
  }

  /** The alarm: runs the schedules that are due with the live version, then waits for the next. */
  override async alarm(): Promise<void> {
    const place = this.ctx.storage.kv.get<Place>(PLACE);
    if (!place) return;
    try {
      const live =
        place.key === null ? await this.current(place.app) : await appHostOf(this.env, place.app).live(place.app);
      if (!live) return await this.clock.adopt([]);
      let here = place;
      if (live.codeHash !== place.codeHash) {
        here = { ...pick(live), key: place.key };
        await this.adoptSchedules(here);
      }
      for (const name of this.clock.takeDue()) await this.runScheduleHere(here, name).catch(() => false);
    } catch (err) {
      console.warn(`schedules of ${place.app} could not run`, String(err));
    }
    // Whatever happened, the next alarm is a period away: a failure never spins.
    await this.clock.arm();
  }

  /** A new version is live (pushed by the app's host): members reconnect to it, its schedules replace the old. */
  async versionLive(live: LiveTarget): Promise<void> {
    closeAll(this.ctx, CLOSE_NEW_VERSION, "a new version of the app is live");
    const place = this.ctx.storage.kv.get<Place>(PLACE);
    if (place && place.codeHash !== live.codeHash) await this.adoptSchedules({ ...pick(live), key: place.key });
  }

  /** Serves a request with the given bundle: staging runs and tests use it without a Registry entry. */
  async serveBundle(request: Request, bundle: CodeBundle): Promise<Response> {
    return this.facets.answered(await this.facets.forBundle(bundle).fetch(unfollowed(request)));
  }

  /** A platform call (app.js platformCall: `count`, `users`…) into the given bundle, as staging makes them. */
  async platformCallBundle(name: string, request: Request, bundle: CodeBundle): Promise<Response> {
    return this.facets.answered(await this.facets.forBundle(bundle).platformCall(name, request));
  }

  /**
   * What the live data breaks under a new version's spec (its refs and unique keys, and with `values`
   * every stored value against its field's rules, for a rollback), asked of the
   * live version in every partition that holds data, before the new version may go live. A runtime
   * from before the check answers 404 and is taken at its word that nothing is checked.
   */
  async checkData(app: string, spec: AppSpec, codeHash: string, values = false): Promise<ErrorDetail[]> {
    const live = await this.current(app);
    // Nothing live, or this very code already is (a retried deploy): nothing to check against.
    if (!live || live.codeHash === codeHash) return [];
    const ask = async (key: string | null) => {
      const res =
        key === null
          ? await this.checkHere(spec, values, live)
          : await appHostOf(this.env, app, key).checkHere(spec, values, live);
      if (res.status === 404) return [];
      if (!res.ok) throw new Error(`${app} v${live.version} could not check its data (${res.status})`);
      const { problems } = (await res.json()) as { problems: ErrorDetail[] };
      return key === null ? problems : problems.map((p) => ({ ...p, message: `key ${key}: ${p.message}` }));
    };
    if (live.partition === "single") return ask(null);
    const keys = this.partitions.withData();
    const problems: ErrorDetail[] = [];
    for (let i = 0; i < keys.length && problems.length < 20; i += 8) {
      const batch = await Promise.all(keys.slice(i, i + 8).map((k) => ask(k)));
      problems.push(...batch.flat());
    }
    return problems.slice(0, 20);
  }

  /** What this partition's data breaks under `spec` (the facet's `check`): its answer, for checkData. */
  async checkHere(spec: AppSpec, values: boolean, live: LiveTarget): Promise<Response> {
    const request = new Request("http://app/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ spec, values }),
    });
    return this.facetCall("check", request, live);
  }

  /** The partition this host serves: its schedules are adopted once per version (and per start). */
  private noteServed(place: Place): void {
    if (this.armedFor === place.codeHash) return;
    this.armedFor = place.codeHash;
    this.ctx.waitUntil(
      this.adoptSchedules(place).catch((err) => console.warn(`schedules of ${place.app} were not armed`, String(err))),
    );
  }

  private async adoptSchedules(place: Place): Promise<void> {
    this.armedFor = place.codeHash;
    this.ctx.storage.kv.put(PLACE, place);
    await this.clock.adopt((await this.realtime(place)).schedules);
  }

  /** A version's schedules and channels; a runtime from before them answers 404: none. */
  private async realtime(place: Place): Promise<Realtime> {
    const known = this.realtimeOf.get(place.codeHash);
    if (known) return known;
    const res = await this.facetCall("realtime", new Request("http://app/"), place);
    const realtime: Realtime = res.ok ? await res.json() : { schedules: [], channels: [] };
    this.realtimeOf.set(place.codeHash, realtime);
    return realtime;
  }

  /** Runs an action for a schedule or a channel message (realtime.js); a failure to reach it is an outcome too. */
  private async call(place: Place, path: string, body: string, sessions: string[] = []): Promise<Outcome> {
    const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
    if (place.key !== null) headers[PARTITION_KEY_HEADER] = place.key;
    // A signed-in channel member's session digests (a platform call's header, never a client's).
    if (sessions.length > 0) headers[SESSIONS_HEADER] = sessions.join(",");
    try {
      const res = await this.facetCall(path, new Request("http://app/", { method: "POST", headers, body }), place);
      if (!res.ok) throw new Error(`the app answered ${res.status}`);
      this.tellStored(place, storedOf("POST", res));
      return (await res.json()) as Outcome;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        error: { error: { code: "internal_error", message: message.slice(0, 200) } },
        broadcasts: [],
      };
    }
  }

  /**
   * What a schedule's or a channel message's write left in this partition: a key's host tells the
   * app's host when the partition first stores data, and after that when its size moved a step.
   */
  private tellStored(place: Place, bytes: number | null): void {
    if (bytes === null) return;
    if (place.key === null) {
      this.partitions.noteStored(null, bytes);
      return;
    }
    const stores = this.ctx.storage.kv.get<boolean>(STORES) === true;
    if (!stores && bytes === 0) return;
    const reported = this.ctx.storage.kv.get<number>(REPORTED) ?? 0;
    if (stores && Math.abs(bytes - reported) < REPORT_STEP_BYTES) return;
    this.ctx.storage.kv.put(STORES, true);
    this.ctx.storage.kv.put(REPORTED, bytes);
    if (!stores) this.noteServed(place);
    this.ctx.waitUntil(
      appHostOf(this.env, place.app)
        .partitionStored(place.key, bytes)
        .catch((err) => console.warn(`the size of ${place.app}/${place.key} was not told`, String(err))),
    );
  }

  /** Members of the old version leave with 1012, in this host and (perKey) every partition's host. */
  private async newVersion(live: LiveVersion): Promise<void> {
    await this.versionLive(live);
    if (live.partition === "perKey") {
      const keys = this.partitions.all();
      for (let i = 0; i < keys.length; i += 8)
        await Promise.all(keys.slice(i, i + 8).map((k) => appHostOf(this.env, live.app, k).versionLive(live)));
      // Keys noted only for their members: those members were just closed, so nobody is left to tell.
      this.partitions.forgetMembersOnly();
    }
    await appMonitorOf(this.env, live.app).channelActivity([], true);
  }

  /** Drops the app and all its data: staging hosts are thrown away after their tests. */
  async discard(): Promise<void> {
    this.facets.discard();
  }

  /** Which loaded Worker runs the app here (null before its first request): tests and benchmarks ask. */
  async worker(): Promise<string | null> {
    return this.facets.worker;
  }

  private async served(
    live: LiveVersion,
    key: string | null,
    path: string,
    serve: () => Promise<Response>,
  ): Promise<Routed> {
    try {
      return { kind: "served", response: await serve(), version: live.version, key, path };
    } catch (err) {
      const stack = err instanceof Error ? (err.stack ?? "") : "";
      const frame = stack
        .split("\n")
        .find((l) => l.trim().startsWith("at "))
        ?.trim();
      const message = err instanceof Error ? err.message : String(err);
      return {
        kind: "failed",
        version: live.version,
        key,
        path,
        message: message.slice(0, 300),
        frame: (frame ?? path).slice(0, 300),
      };
    }
  }

  private async current(app: string): Promise<LiveVersion | null> {
    if (this.pointer === undefined) this.adopt(await registryOf(this.env).live(app));
    else if (Date.now() - this.checkedAt > REVALIDATE_MS) {
      this.checkedAt = Date.now();
      this.ctx.waitUntil(
        registryOf(this.env)
          .live(app)
          .then((live) => this.adopt(live))
          .catch((err) => console.warn(`could not revalidate the live version of ${app}`, String(err))),
      );
    }
    return this.pointer ?? null;
  }

  private adopt(live: LiveVersion | null): void {
    this.checkedAt = Date.now();
    if (!live) {
      this.pointer ??= null;
      return;
    }
    if (this.pointer && this.pointer.generation >= live.generation) return;
    const previous = this.pointer;
    this.pointer = live;
    this.ctx.storage.kv.put(POINTER, live);
    if (previous && previous.codeHash !== live.codeHash)
      this.ctx.waitUntil(
        this.newVersion(live).catch((err) => console.warn(`members of ${live.app} were not moved on`, String(err))),
      );
  }
}
