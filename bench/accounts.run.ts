// Accounts (pnpm bench): what signing in costs and what ownership costs, on one `wrangler dev`.
// - Login (PBKDF2-SHA256, 100,000 iterations) p50 against GET /auth/me with the same token (the same
//   proxy and app, no hashing), paired; the workerd processes' CPU per login against per /auth/me, read
//   from /proc; and the same hash in Node on this CPU, for scale.
// - Signup-then-login throughput with 4 clients at once (each pair hashes twice), reported.
// - An owner-scoped list (10 users, 100,000 records; one user's first page, signed in by token) against
//   an unscoped list of an entity holding the same 100,000 records, paired: floor ≤ 1.5×.
// - A request signed in by token against the same request on a public app (same entity, same records),
//   paired: floor ≤ 1.3× p50.
// The records are created by the app's own code (an action creating 250 per call, driven through
// /__bench/serve inside the Worker), so they are stored and indexed as records posted one by one are.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { it } from "vitest";
import { benchServer, count, floor, median, ms, pairedRatio, pairedRounds, pct, times } from "./support";

const RECORDS = Number(process.env.BENCH_ACCOUNT_RECORDS ?? 100_000);
const USERS = 10;
const PER_SEED = 250;
const LOGIN_ROUNDS = 10;
const LOGIN_PER_ROUND = 5;
const CPU_BLOCK = 40;
const PAIRS = 40;
const CLIENTS = 4;
const ROUNDS = 20;
const PER_ROUND = 10;
const FLOOR_SCOPED = 1.5;
const FLOOR_SIGNED_IN = 1.3;

const { results, rows, call, post, until, workerdCpuMs } = benchServer("accounts");

/** Record n of either entity: the owned one takes its owner from the ten (o0…o9), by n. */
const SEED = `export default async (req, ctx) => {
  const body = await ctx.body();
  const batch = Number(body?.batch);
  const size = Number(body?.size);
  const owners = Array.from({ length: 10 }, (_, i) => body?.["o" + i]).filter(Boolean);
  if (!Number.isInteger(batch) || batch < 0 || !Number.isInteger(size) || size < 1 || size > 500)
    ctx.error(400, "bad_batch", "batch (0 or more) and size (1 to 500) are whole numbers");
  for (let j = 0; j < size; j++) {
    const n = batch * size + j;
    if (body.which === "notes") await ctx.entities.notes.create({ text: "note " + n, n, ownerId: owners[n % owners.length] });
    else await ctx.entities.items.create({ text: "item " + n, n });
  }
  return ctx.json({ created: size }, 201);
};`;

const FIELDS = { text: { type: "string", required: true }, n: { type: "integer", required: true } } as const;
const TAGS = { name: "tag", plural: "tags", fields: { label: { type: "string", required: true } } } as const;

async function deploy(spec: Record<string, unknown>) {
  const run = await until((await post("/v1/runs", { request: String(spec.name), spec })).body.id);
  if (run.status !== "succeeded") throw new Error(`${spec.name}: ${JSON.stringify(run.error)}`);
}

it(`accounts: login, signup throughput, ${count(RECORDS)} owned records, signed-in requests`, {
  timeout: 1_800_000,
}, async () => {
  const stamp = Date.now().toString(36);
  const name = `bench-acct-${stamp}`;
  const open = `bench-open-${stamp}`;
  await deploy({
    name,
    performance: { p95Ms: 10_000 },
    accounts: {},
    entities: [
      { name: "note", plural: "notes", owner: "user", fields: FIELDS },
      { name: "item", plural: "items", fields: FIELDS },
      TAGS,
    ],
    actions: [{ name: "seed", method: "POST", path: "/seed", code: SEED }],
  });
  await deploy({ name: open, performance: { p95Ms: 10_000 }, entities: [TAGS] });
  const base = `/apps/${name}`;
  const json = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  // Ten users, each signed in once; their ids own the notes.
  const users: { id: string; email: string; token: string }[] = [];
  for (let u = 0; u < USERS; u++) {
    const email = `user${u}@bench.example`;
    const made = await json(`${base}/auth/signup`, { email, password: `bench password ${u}` });
    if (made.status !== 201) throw new Error(`signup ${u}: ${made.status} ${JSON.stringify(made.body)}`);
    users.push({ id: made.body.user.id, email, token: made.body.token });
  }
  const seedMs: Record<string, number> = {};
  for (const which of ["notes", "items"]) {
    const t0 = performance.now();
    const seeded = await post("/__bench/serve", {
      app: name,
      method: "POST",
      path: "/seed",
      // The owners' ids one per field (the serve route takes values of up to 200 characters).
      body: { batch: "{i}", size: PER_SEED, which, ...Object.fromEntries(users.map((u, i) => [`o${i}`, u.id])) },
      count: RECORDS / PER_SEED,
      concurrency: 2,
    });
    if (seeded.body.statuses["201"] !== RECORDS / PER_SEED)
      throw new Error(`seed ${which}: ${JSON.stringify(seeded.body)}`);
    seedMs[which] = performance.now() - t0;
  }
  for (const app of [base, `/apps/${open}`])
    for (let i = 0; i < 10; i++) {
      const tag = await json(`${app}/tags`, { label: `tag ${i}` });
      if (tag.status !== 201) throw new Error(`tag: ${tag.status}`);
    }

  const get = async (path: string, headers: Record<string, string> = {}, items = 50) => {
    const res = await call(path, { headers });
    if (res.status !== 200 || res.body.items.length !== items)
      throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body as { items: { id: string; n: number; ownerId?: string }[] };
  };
  // Before anything is timed: every record is there, each user sees only their own tenth.
  const last = Math.floor(RECORDS / 1000) * 1000 - 100;
  await get(`${base}/items?n[gte]=${last}&limit=100`, {}, 100);
  const mine = await get(`${base}/notes?n[gte]=${last}&limit=100`, bearer(users[3]!.token), 10);
  if (mine.items.some((r) => r.ownerId !== users[3]!.id || r.n % USERS !== 3))
    throw new Error("user 3 sees others' notes");
  const first = await get(`${base}/notes?limit=50`, bearer(users[0]!.token));
  if (first.items.some((r) => r.ownerId !== users[0]!.id)) throw new Error("user 0 sees others' notes");
  await get(`/apps/${open}/tags?limit=10`, {}, 10);
  await get(`${base}/tags?limit=10`, bearer(users[0]!.token), 10);

  // Login against /auth/me, paired: the difference is the hash and the new session.
  const who = users[0]!;
  const login = async () => {
    const res = await json(`${base}/auth/login`, { email: who.email, password: "bench password 0" });
    if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const me = async () => {
    const res = await call(`${base}/auth/me`, { headers: bearer(who.token) });
    if (res.status !== 200) throw new Error(`me: ${res.status}`);
  };
  const loginRounds = await pairedRounds(me, login, LOGIN_ROUNDS, LOGIN_PER_ROUND, 2);
  const loginRatio = pairedRatio(loginRounds);
  const loginP50 = median(loginRounds.map((r) => r.b));
  const meP50 = median(loginRounds.map((r) => r.a));

  // CPU of the workerd processes over a block of logins, and over a block of /auth/me.
  const cpuOf = async (fn: () => Promise<void>) => {
    const c0 = await workerdCpuMs();
    for (let i = 0; i < CPU_BLOCK; i++) await fn();
    return ((await workerdCpuMs()) - c0) / CPU_BLOCK;
  };
  const cpuLogin = await cpuOf(login);
  const cpuMe = await cpuOf(me);
  // The same hash in this Node process, on this CPU: what PBKDF2 itself costs here.
  const nodeHash: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    pbkdf2Sync("bench password 0", randomBytes(16), 100_000, 32, "sha256");
    const c = process.cpuUsage(c0);
    nodeHash.push((c.user + c.system) / 1000);
  }

  // Signup then login, CLIENTS at once, PAIRS in all.
  let next = 0;
  const pairMs: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < PAIRS) {
        const i = next++;
        const email = `pair${i}-${stamp}@bench.example`;
        const p0 = performance.now();
        const made = await json(`${base}/auth/signup`, { email, password: `pair password ${i}` });
        const back = await json(`${base}/auth/login`, { email, password: `pair password ${i}` });
        if (made.status !== 201 || back.status !== 200) throw new Error(`pair ${i}: ${made.status}, ${back.status}`);
        pairMs.push(performance.now() - p0);
      }
    }),
  );
  const pairsPerSecond = PAIRS / ((performance.now() - t0) / 1000);

  // Owner-scoped list against an unscoped list of the same size; signed-in against public.
  const scopedRounds = await pairedRounds(
    () => get(`${base}/items?limit=50`),
    () => get(`${base}/notes?limit=50`, bearer(users[5]!.token)),
    ROUNDS,
    PER_ROUND,
    5,
  );
  const scoped = pairedRatio(scopedRounds);
  const signedRounds = await pairedRounds(
    () => get(`/apps/${open}/tags?limit=10`, {}, 10),
    () => get(`${base}/tags?limit=10`, bearer(users[6]!.token), 10),
    ROUNDS,
    PER_ROUND,
    5,
  );
  const signed = pairedRatio(signedRounds);
  results.accounts = {
    records: RECORDS,
    users: USERS,
    seedMs,
    login: { rounds: loginRounds, ratio: loginRatio, cpuLoginMs: cpuLogin, cpuMeMs: cpuMe, nodeHashCpuMs: nodeHash },
    signupThenLogin: { pairs: PAIRS, clients: CLIENTS, pairsPerSecond, pairMs },
    scoped: { rounds: scopedRounds, ratio: scoped },
    signedIn: { rounds: signedRounds, ratio: signed },
  };

  const ci = (r: { low: number; high: number }) => `95% CI ${times(r.low)}–${times(r.high)}`;
  const paired = `${ROUNDS} paired rounds of ${PER_ROUND}`;
  rows.push(
    {
      benchmark: `POST /auth/login (PBKDF2-SHA256 100,000), p50 (${LOGIN_ROUNDS} paired rounds of ${LOGIN_PER_ROUND})`,
      figure: ms(loginP50),
      baseline: `GET /auth/me, same token ${ms(meP50)}`,
      ratio: times(loginRatio.median),
      spread: ci(loginRatio),
    },
    {
      benchmark: `  CPU per login, workerd processes (/proc, block of ${CPU_BLOCK})`,
      figure: ms(cpuLogin),
      baseline: `per GET /auth/me ${ms(cpuMe)}; Node's pbkdf2Sync here ${ms(median(nodeHash))}`,
      spread: `Node hashes ${ms(Math.min(...nodeHash))}–${ms(Math.max(...nodeHash))}`,
    },
    {
      benchmark: `signup then login, ${CLIENTS} clients at once (${PAIRS} pairs, 2 hashes each)`,
      figure: `${pairsPerSecond.toFixed(1)} pairs/s`,
      // One partition's Durable Object runs one request at a time: its hashing is on one core.
      baseline: `one partition, one core, at workerd's CPU per login: ≤ ${(1000 / (2 * cpuLogin)).toFixed(1)} pairs/s`,
      spread: `pair p50 ${ms(median(pairMs))}, p95 ${ms(pct(pairMs, 95))}`,
    },
    {
      benchmark: `GET /notes?limit=50, owned (${USERS} users, ${count(RECORDS)} records), signed in (${paired})`,
      figure: ms(median(scopedRounds.map((r) => r.b))),
      baseline: `GET /items?limit=50, unowned, ${count(RECORDS)} records ${ms(median(scopedRounds.map((r) => r.a)))}`,
      ratio: times(scoped.median),
      spread: ci(scoped),
      floor: floor(`≤ ${FLOOR_SCOPED}×`, scoped.median <= FLOOR_SCOPED),
    },
    {
      benchmark: `GET /tags?limit=10 signed in by token (${paired})`,
      figure: ms(median(signedRounds.map((r) => r.b))),
      baseline: `the same on a public app ${ms(median(signedRounds.map((r) => r.a)))}`,
      ratio: times(signed.median),
      spread: ci(signed),
      floor: floor(`≤ ${FLOOR_SIGNED_IN}×`, signed.median <= FLOOR_SIGNED_IN),
    },
    {
      benchmark: `  seeding (the app's create, ${PER_SEED} per action call)`,
      figure: `${count(RECORDS)} owned in ${(seedMs.notes! / 1000).toFixed(1)} s`,
      baseline: `${count(RECORDS)} unowned in ${(seedMs.items! / 1000).toFixed(1)} s`,
    },
  );
});
