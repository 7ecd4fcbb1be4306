// Proves a rollback holds the live data to the target version's rules, as a redeploy does: v1 has `unique: ["email"]`,
// an enum and a range, v2 drops them and stores records v1 refuses; `POST /v1/apps/{name}/rollback` to v1 answers 409
// `constraint_violation` naming the records (v2 stays live and serves them), while `options.force` rolls back anyway.
// Before the check, the rollback succeeded and v1 served the duplicates.
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const v1 = (name: string) => ({
  name,
  entities: [
    {
      name: "member",
      plural: "members",
      fields: {
        email: { type: "string", required: true },
        tier: { type: "enum", values: ["free", "pro"], default: "free" },
        seats: { type: "integer", min: 1, max: 10, default: 1 },
      },
      unique: ["email"],
    },
  ],
});

const v2 = (name: string) => ({
  name,
  entities: [
    {
      name: "member",
      plural: "members",
      fields: {
        email: { type: "string", required: true },
        tier: { type: "enum", values: ["free", "pro", "team"], default: "free" },
        seats: { type: "integer", min: 1, max: 500, default: 1 },
      },
    },
  ],
});

async function deploy(spec: unknown, allowBreaking = false) {
  const run = await waitForRun(
    (await startRun({ request: "members", spec, options: allowBreaking ? { allowBreaking: true } : undefined })).id,
  );
  expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
}

describe("rollback against live data", () => {
  it("refuses with constraint_violation naming the records, and rolls back with options.force", async () => {
    const name = uniqueName("rollback-data");
    await deploy(v1(name));
    await deploy(v2(name), true);
    const post = (body: unknown) => api(`/apps/${name}/members`, { method: "POST", json: body });
    const a = await json(await post({ email: "ann@example.com" }));
    const b = await json(await post({ email: "ann@example.com", tier: "team" }));
    const c = await json(await post({ email: "bob@example.com", seats: 200 }));

    const refused = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: { version: 1 } });
    expect(refused.status).toBe(409);
    const { error } = await json(refused);
    expect(error.code).toBe("constraint_violation");
    const named = error.details.map((d: { message: string }) => d.message).join("\n");
    // The duplicate email (both records), the enum value v1 lacks, the seats over v1's max.
    expect(named).toContain(a.id);
    expect(named).toContain(b.id);
    expect(named).toMatch(new RegExp(`${b.id}: tier must be one of free, pro`));
    expect(named).toMatch(new RegExp(`${c.id}: seats must be at most 10`));
    expect(error.details.length).toBeLessThanOrEqual(20);
    // Nothing changed: v2 is live and serves every record.
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(2);
    expect((await json(await api(`/apps/${name}/members`))).items).toHaveLength(3);

    const forced = await api(`/v1/apps/${name}/rollback`, {
      method: "POST",
      json: { version: 1, options: { force: true } },
    });
    expect(forced.status).toBe(200);
    expect((await json(forced)).version).toBe(1);
  });

  it("rolls back without a word when the live data fits the target", async () => {
    const name = uniqueName("rollback-fits");
    await deploy(v1(name));
    await deploy(v2(name), true);
    await api(`/apps/${name}/members`, { method: "POST", json: { email: "cy@example.com", tier: "pro" } });
    const back = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(back.status).toBe(200);
    expect((await json(back)).version).toBe(1);
  });
});
