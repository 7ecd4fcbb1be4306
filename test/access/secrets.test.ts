// Proves app secrets: set, listed by name only, read by actions as ctx.secrets (an HMAC check with
// crypto.subtle), unset, kept across redeploys and rollbacks, shipped to the app's Cloudflare Worker
// as secret_text (a refusal there never failing a deploy), bad names and values refused with a path, and a planted value never appearing in
// any API answer, run report or Cloudflare API record.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { uniqueName } from "../support/api";
import { api, deployed, json, putSecret, rollback, until } from "./support";

const cfControl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL.replace(
  /\/client\/v4$/,
  "",
);

const VERIFY = `export default async (req, ctx) => {
  const secret = ctx.secrets.SIGNING_KEY;
  if (secret === undefined) return ctx.error(409, "not_configured", "SIGNING_KEY is not set");
  const body = await req.text();
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== req.headers.get("x-signature")) return ctx.error(401, "bad_signature", "the signature does not match");
  return { ok: true };
};`;

function webhookSpec(name: string, extra: Partial<AppSpecInput> = {}): AppSpecInput {
  return {
    name,
    secrets: ["SIGNING_KEY", "OTHER"],
    entities: [],
    actions: [
      { name: "verify", method: "POST", path: "/hook", code: VERIFY },
      {
        name: "configured",
        method: "GET",
        path: "/configured",
        code: "export default async (req, ctx) => ({ signing: ctx.secrets.SIGNING_KEY !== undefined, other: ctx.secrets.OTHER === undefined ? null : 'set' });",
      },
      {
        name: "explode",
        method: "POST",
        path: "/explode",
        code: "export default async (req, ctx) => { throw new Error('boom ' + ctx.secrets.SIGNING_KEY); };",
        examples: [{ method: "POST", path: "/explode", status: 500 }],
      },
    ],
    ...extra,
  };
}

const REFUSAL = { status: 400, errors: [{ code: 10021, message: "secret refused" }] };

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function hook(app: string, body: string, signature: string): Promise<Response> {
  return api(`/apps/${app}/hook`, { method: "POST", body, headers: { "x-signature": signature } });
}

describe("app secrets", () => {
  it("are read by actions, listed by name only, unset, and survive redeploys and rollbacks", async () => {
    const app = uniqueName("sec");
    await deployed(webhookSpec(app));
    expect(await json(await api(`/apps/${app}/configured`))).toEqual({ signing: false, other: null });
    expect((await hook(app, "{}", "x")).status).toBe(409);

    const secret = `whsec-${crypto.randomUUID()}`;
    expect((await putSecret(app, "SIGNING_KEY", secret)).status).toBe(204);
    expect(await json(await api(`/apps/${app}/configured`))).toEqual({ signing: true, other: null });
    const body = JSON.stringify({ event: "paid" });
    expect((await hook(app, body, await hmacHex(secret, body))).status).toBe(200);
    expect((await hook(app, body, await hmacHex("wrong", body))).status).toBe(401);

    const listed = await api(`/v1/apps/${app}/secrets`);
    const text = await listed.text();
    expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toEqual({
      items: [
        { name: "OTHER", set: false, updatedAt: null },
        { name: "SIGNING_KEY", set: true, updatedAt: expect.any(String) },
      ],
    });

    // On Cloudflare the value became a secret of the app's Worker.
    // (Next to the platform token its run-now calls carry, which the API never shows.)
    expect(await json(await fetch(`${cfControl}/__secrets?key=${app}`))).toEqual({
      SIGNING_KEY: secret,
      aidevos_platform_token: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    // A redeploy (a new version) and a rollback keep the value.
    await deployed(webhookSpec(app, { description: "v2" }));
    expect((await hook(app, body, await hmacHex(secret, body))).status).toBe(200);
    await rollback(app);
    expect((await hook(app, body, await hmacHex(secret, body))).status).toBe(200);

    expect((await api(`/v1/apps/${app}/secrets/SIGNING_KEY`, { method: "DELETE" })).status).toBe(204);
    expect(await json(await api(`/apps/${app}/configured`))).toEqual({ signing: false, other: null });
    expect(Object.keys(await json(await fetch(`${cfControl}/__secrets?key=${app}`)))).toEqual([
      "aidevos_platform_token",
    ]);
  });

  it("are kept when Cloudflare refuses them for the app's Worker, which the API says with 502", async () => {
    const app = uniqueName("sec-cf");
    await deployed(webhookSpec(app));
    // Scripted once the deploy is done, so the refusal meets the secret's PUT, however many calls a deploy makes.
    await fetch(`${cfControl}/__script`, {
      method: "POST",
      body: JSON.stringify({ key: app, responses: [REFUSAL] }),
    });
    const res = await putSecret(app, "SIGNING_KEY", "kept-locally");
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(JSON.parse(body).error.code).toBe("cloudflare_api_error");
    expect(body).not.toContain("kept-locally");
    expect(await json(await api(`/apps/${app}/configured`))).toEqual({ signing: true, other: null });
    // Unsetting what the Worker never had is no error.
    expect((await api(`/v1/apps/${app}/secrets/SIGNING_KEY`, { method: "DELETE" })).status).toBe(204);
  });

  it("set before the first deploy and refused by Cloudflare, do not fail the deploy, which uploads once", async () => {
    const app = uniqueName("sec-first");
    expect((await putSecret(app, "SIGNING_KEY", "kept-locally")).status).toBe(204);
    // A first deploy: the upload, the version listing, workers.dev switched on, then the secret's PUT, refused.
    await fetch(`${cfControl}/__script`, {
      method: "POST",
      body: JSON.stringify({ key: app, responses: [{}, {}, {}, REFUSAL] }),
    });
    await deployed(webhookSpec(app));
    const calls = (await json(await fetch(`${cfControl}/__requests?key=${app}`))) as {
      method: string;
      sub: string | null;
      status: number;
    }[];
    expect(calls.map((c) => `${c.method} ${c.sub} ${c.status}`)).toEqual([
      "PUT null 200",
      "GET /versions 200",
      "POST /subdomain 200",
      "PUT /secrets 400",
      "PUT /secrets 200", // the platform token
    ]);
    // Kept here: the app reads it; the Worker gets it when it is set again.
    expect(await json(await api(`/apps/${app}/configured`))).toEqual({ signing: true, other: null });
    const held = async () => (await json(await fetch(`${cfControl}/__secrets?key=${app}`))).SIGNING_KEY;
    expect(await held()).toBeUndefined();
    expect((await putSecret(app, "SIGNING_KEY", "kept-locally")).status).toBe(204);
    expect(await held()).toBe("kept-locally");
  });

  it("refuse a name off the pattern and a value over 64 KiB with validation_failed naming the path", async () => {
    const app = uniqueName("sec-bad");
    const badName = await api(`/v1/apps/${app}/secrets/lower_case`, { method: "PUT", json: { value: "x" } });
    expect(badName.status).toBe(400);
    const nameError = (await json(badName)).error;
    expect(nameError.code).toBe("validation_failed");
    expect(nameError.details[0].path).toContain("secret");

    const tooBig = await putSecret(app, "BIG", "x".repeat(64 * 1024 + 1));
    expect(tooBig.status).toBe(400);
    const bigError = (await json(tooBig)).error;
    expect(bigError.code).toBe("validation_failed");
    expect(bigError.details[0].path).toBe("value");
    expect((await putSecret(app, "BIG", "x".repeat(64 * 1024))).status).toBe(204);

    const spec = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "r",
        spec: { name: app, entities: [], secrets: ["ok_not"], outbound: ["https://a.example/path"] },
      },
    });
    expect(spec.status).toBe(400);
    const paths = (await json(spec)).error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([expect.stringContaining("secrets"), expect.stringContaining("outbound")]),
    );
  });

  it("never appear in any API answer, run report or Cloudflare record, even when an action throws with one", async () => {
    const app = uniqueName("sec-leak");
    const planted = `PLANTED-${crypto.randomUUID()}`;
    // Record this app's Cloudflare API calls (the fake keeps calls of scripted names).
    await fetch(`${cfControl}/__script`, { method: "POST", body: JSON.stringify({ key: app, responses: [] }) });
    // Set before the first deploy: its examples (staging) read it too, and the new Worker gets it.
    expect((await putSecret(app, "SIGNING_KEY", planted)).status).toBe(204);
    const body = "{}";
    const sig = await hmacHex(planted, body);
    const run = await deployed(
      webhookSpec(app, {
        examples: [
          { method: "POST", path: "/hook", raw: body, headers: { "x-signature": sig }, status: 200 },
          { method: "GET", path: "/configured", status: 200, json: { signing: true } },
        ],
      }),
    );
    expect((await hook(app, body, sig)).status).toBe(200);
    const exploded = await api(`/apps/${app}/explode`, { method: "POST", body: planted });
    expect(exploded.status).toBe(500);
    expect(await exploded.text()).not.toContain(planted);
    await until(
      async () => (await json(await api(`/v1/apps/${app}/errors`))).items.length,
      (n) => n > 0,
    );

    // Every GET of the API, with this app and this run filled in.
    const doc = await json(await api("/openapi.json"));
    const paths = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([, ops]) => "get" in ops)
      .map(([path]) => path.replace("{name}", app).replace("{id}", run.id))
      .filter((path) => !path.includes("{"));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const text = await (await api(path)).text();
      expect(text, path).not.toContain(planted);
    }
    for (const path of ["/apps", "/", "/v1/knowledge"]) expect(await (await api(path)).text()).not.toContain(planted);
    const cfRecords = await (await fetch(`${cfControl}/__requests?key=${app}`)).text();
    expect(cfRecords).toContain("SIGNING_KEY");
    expect(cfRecords).not.toContain(planted);
  });
});
