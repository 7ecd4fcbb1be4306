// Proves `required` with `default` works as SQL's NOT NULL DEFAULT (docs/appspec.md): a create that
// omits the field gets the default and only an explicit null is refused, and a redeploy that adds
// such a field is not a breaking change (old records read the default); and that secrets set before
// an app's first deploy (204 on a never-deployed app) reach staging's examples and the first version.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const tickets = (name: string, severity: boolean): AppSpecInput => ({
  name,
  entities: [
    {
      name: "ticket",
      plural: "tickets",
      fields: {
        title: { type: "string", required: true },
        ...(severity
          ? { severity: { type: "enum", values: ["low", "normal", "high"], required: true, default: "normal" } }
          : {}),
      },
    },
  ],
});

describe("required with a default", () => {
  it("a redeploy adding it is not breaking; creates omitting it get the default; null is refused", async () => {
    const name = uniqueName("req-default");
    const first = await waitForRun((await startRun({ request: "tickets", spec: tickets(name, false) })).id, 60_000);
    expect(first.status, JSON.stringify(first.error)).toBe("succeeded");
    const old = await json(await api(`/apps/${name}/tickets`, { method: "POST", json: { title: "printer" } }));

    const second = await waitForRun((await startRun({ request: "severity", spec: tickets(name, true) })).id, 60_000);
    expect(second.status, JSON.stringify(second.error)).toBe("succeeded");
    expect(await json(await api(`/apps/${name}/tickets/${old.id}`))).toMatchObject({ severity: "normal" });
    const made = await api(`/apps/${name}/tickets`, { method: "POST", json: { title: "coffee" } });
    expect(made.status).toBe(201);
    expect(await json(made)).toMatchObject({ severity: "normal" });
    const nulled = await api(`/apps/${name}/tickets`, { method: "POST", json: { title: "bad", severity: null } });
    expect(nulled.status).toBe(400);
    expect((await json(nulled)).error).toMatchObject({ code: "validation_failed" });
  }, 120_000);
});

describe("secrets before the first deploy", () => {
  it("are accepted on a never-deployed app and reach staging and the first version", async () => {
    const name = uniqueName("secret-first");
    const put = await api(`/v1/apps/${name}/secrets/SIGN_KEY`, {
      method: "PUT",
      json: { value: "first-deploy-secret" },
    });
    expect(put.status).toBe(204);
    const spec: AppSpecInput = {
      name,
      secrets: ["SIGN_KEY"],
      actions: [
        {
          name: "has",
          method: "GET",
          path: "/has",
          code: "export default async (req, ctx) => { if (!ctx.secrets.SIGN_KEY) ctx.error(503, 'not_configured', 'unset'); return { length: ctx.secrets.SIGN_KEY.length }; };",
          // Staging must have the secret for this example to hold.
          examples: [{ path: "/has", status: 200, json: { length: 19 } }],
        },
      ],
    };
    const run = await waitForRun((await startRun({ request: "signed", spec })).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(await json(await api(`/apps/${name}/has`))).toEqual({ length: 19 });
    const listed = await api(`/v1/apps/${name}/secrets`);
    expect(await json(listed)).toMatchObject({ items: [{ name: "SIGN_KEY", set: true }] });
  }, 120_000);
});
