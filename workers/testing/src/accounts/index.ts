import {
  type AppSpec,
  type Entity,
  entityOperations,
  type TestCaseResult,
  type TestReport,
  testReport,
  validRecord,
  validValue,
} from "@aidevos/core";
import type { AppClient } from "../integration-suite";

/*
 * The platform's own tests of accounts and ownership (docs/appspec.md, "v3 additions"), on staging
 * only. The other suites drive an app with owned entities as one signed-in user: the accounts'
 * management call creates that user (also when signup is closed) and a login gives its token.
 */

/** A password no spec refuses (at most 128 characters are ever required) and that no report shows. */
function stagingPassword(): string {
  return `stg-${crypto.randomUUID()}-${crypto.randomUUID()}-${crypto.randomUUID()}-${crypto.randomUUID()}`;
}

interface Signed {
  id: string;
  token: string;
}

/** A new user of the app under test and a session of theirs, or null when the app could not make one. */
async function stagingUser(spec: AppSpec, send: AppClient, name: string, variant: number): Promise<Signed | null> {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@staging.invalid`;
  const password = stagingPassword();
  // Required fields get a sample value; unique ones a different value per user (the variant).
  const fields = Object.fromEntries(
    Object.entries(spec.accounts?.fields ?? {})
      .filter(([, f]) => f.required && f.default === undefined)
      .map(([n, f]) => [n, validValue(f, f.unique ? variant + 1 : 0)]),
  );
  const created = await send("POST", "/_aidevos/users", { email, password, ...fields });
  if (created.status !== 201) return null;
  const login = await send("POST", "/auth/login", { email, password });
  if (login.status !== 200 || typeof login.body?.token !== "string") return null;
  return { id: created.body.id, token: login.body.token };
}

/** Whether a spec has records that need a signed-in user. */
function hasOwned(spec: AppSpec): boolean {
  return spec.entities.some((e) => e.owner === "user");
}

/**
 * The client the platform's suites drive an app with: for an app with owned entities, signed in as a
 * staging user (a request that names its own `authorization` keeps it).
 */
export async function signedInClient(spec: AppSpec, send: AppClient): Promise<AppClient> {
  if (!spec.accounts || !hasOwned(spec)) return send;
  const user = await stagingUser(spec, send, "platform", 0);
  if (!user) return send;
  return (method, path, body, headers = {}) => {
    const named = Object.keys(headers).some((h) => h.toLowerCase() === "authorization");
    return send(method, path, body, named ? headers : { ...headers, authorization: `Bearer ${user.token}` });
  };
}

class CaseFailure extends Error {}

function expect(res: { status: number; body: any }, want: number, what: string): void {
  if (res.status !== want)
    throw new CaseFailure(`${what}: status ${res.status}, want ${want}: ${JSON.stringify(res.body)?.slice(0, 200)}`);
}

/**
 * Cases of the accounts' routes (signup or a management create, login, me, logout, a wrong
 * password's 401) and, per owned entity, that another user's record answers as a missing one.
 */
export async function accountsCases(spec: AppSpec, send: AppClient): Promise<TestCaseResult[]> {
  if (!spec.accounts) return [];
  const cases: TestCaseResult[] = [];
  const check = async (name: string, body: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await body();
      cases.push({ name, ok: true, durationMs: Date.now() - t0 });
    } catch (err) {
      const message = err instanceof CaseFailure ? err.message : `threw: ${String(err)}`;
      cases.push({ name, ok: false, message, durationMs: Date.now() - t0 });
    }
  };
  const bearer = (u: Signed) => ({ authorization: `Bearer ${u.token}` });
  let alice: Signed | null = null;
  let bob: Signed | null = null;
  await check("accounts: a user is created, logs in, reads me, and logs out (the token then fails)", async () => {
    alice = await stagingUser(spec, send, "alice", 1);
    bob = await stagingUser(spec, send, "bob", 2);
    if (!alice || !bob) throw new CaseFailure("creating a user and logging in failed");
    const me = await send("GET", "/auth/me", undefined, bearer(alice));
    expect(me, 200, "GET /auth/me");
    if (me.body?.id !== alice.id || "password" in (me.body ?? {})) throw new CaseFailure("me is not the user alone");
    const session = await stagingUser(spec, send, "carol", 3);
    if (!session) throw new CaseFailure("a third user could not log in");
    expect(await send("POST", "/auth/logout", undefined, bearer(session)), 204, "POST /auth/logout");
    expect(await send("GET", "/auth/me", undefined, bearer(session)), 401, "GET /auth/me after logout");
    expect(await send("GET", "/auth/me"), 401, "GET /auth/me without a token");
  });
  await check("accounts: a wrong password and an unknown email answer the same 401", async () => {
    const wrong = await send("POST", "/auth/login", { email: "nobody@staging.invalid", password: "not-the-one-1" });
    expect(wrong, 401, "login with an unknown email");
    if (wrong.body?.error?.code !== "unauthorized") throw new CaseFailure("want error code unauthorized");
  });
  for (const entity of spec.entities.filter((e) => e.owner === "user"))
    await ownershipCase(entity, send, check, () => [alice, bob]);
  return cases;
}

async function ownershipCase(
  entity: Entity,
  send: AppClient,
  check: (name: string, body: () => Promise<void>) => Promise<void>,
  users: () => (Signed | null)[],
): Promise<void> {
  const ops = entityOperations(entity);
  if (!ops.includes("create") || !ops.includes("get")) return;
  // Refs need records of their own entity first: only entities without required refs are tried.
  const needsRef = Object.values(entity.fields).some((f) => f.type === "ref" && f.required && f.default === undefined);
  if (needsRef) return;
  await check(`${entity.name}: routes need a user; another user's record answers as a missing one`, async () => {
    const [alice, bob] = users();
    if (!alice || !bob) throw new CaseFailure("no users to try with");
    const asAlice = { authorization: `Bearer ${alice.token}` };
    const asBob = { authorization: `Bearer ${bob.token}` };
    const created = await send("POST", `/${entity.plural}`, validRecord(entity), asAlice);
    expect(created, 201, `POST /${entity.plural} signed in`);
    if (created.body?.ownerId !== alice.id) throw new CaseFailure("ownerId is not the creator's id");
    const id = created.body.id as string;
    if (entity.read !== "public") {
      const other = await send("GET", `/${entity.plural}/${id}`, undefined, asBob);
      const missing = await send("GET", `/${entity.plural}/${id}x`, undefined, asBob);
      expect(other, 404, "another user's GET");
      if (JSON.stringify(other.body).replace(id, "") !== JSON.stringify(missing.body).replace(`${id}x`, ""))
        throw new CaseFailure("another user's record does not answer exactly as a missing one");
      expect(await send("POST", `/${entity.plural}`, validRecord(entity)), 401, "POST without a user");
    } else if (ops.includes("update")) {
      expect(await send("PATCH", `/${entity.plural}/${id}`, {}, asBob), 403, "another user's PATCH");
    }
  });
}

/** A report with more cases: the accounts' cases join the integration report. */
export function withCases(report: TestReport, cases: TestCaseResult[]): TestReport {
  if (cases.length === 0) return report;
  const started = Date.now() - report.durationMs - cases.reduce((sum, c) => sum + (c.durationMs ?? 0), 0);
  const extra = { error: report.error, figures: report.figures, changes: report.changes, findings: report.findings };
  const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
  return testReport(report.kind, [...report.cases, ...cases], started, defined);
}
