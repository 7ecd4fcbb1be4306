// Proves the origin boundaries of issue 25 through the Worker's fetch in workerd, with an operator token set:
// the operator's API token never reaches app code (any scheme or case), while app keys and user tokens in
// Bearer still do; on the gateway's origin every /apps/ answer is sandboxed by CSP and sets no cookie, and the
// gateway's cookies are not handed to the app; on the app's own origin ({name}.localhost, {name}.{APPS_DOMAIN})
// cookies pass both ways, and no request there reaches /v1 or the dashboard.
import { createExecutionContext, env } from "cloudflare:test";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import worker from "../../workers/gateway/src/index";
import { json, startRun, uniqueName, waitForRun } from "../support/api";

const TOKEN = "operator-token-7Qm2x9Lr4Vt8";
const CSP = "sandbox allow-scripts allow-forms allow-popups";

function spec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    performance: { p95Ms: 10_000 },
    entities: [{ name: "entry", plural: "entries", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "seen",
        method: "GET",
        path: "/seen",
        code: `export default async (req, ctx) => ({ authorization: req.headers.get("authorization"), cookie: req.headers.get("cookie") });\n`,
      },
      {
        name: "page",
        method: "GET",
        path: "/page",
        code: `export default async (req, ctx) => ctx.html("<p>hi</p>", 200, { "set-cookie": "visitor=1; Path=/" });\n`,
      },
    ],
  };
}

async function deployed(): Promise<string> {
  const name = uniqueName("origins");
  const run = await waitForRun((await startRun({ request: "serve it", spec: spec(name) })).id, 40_000);
  if (run.status !== "succeeded") throw new Error(`run ${run.status}: ${JSON.stringify(run.error)}`);
  return name;
}

/** A request as a client sends it, with the operator's token configured (and APPS_DOMAIN when given). */
function call(url: string, headers: Record<string, string> = {}, vars: Record<string, string> = {}) {
  return worker.fetch(
    new Request(url, { headers }),
    { ...env, AIDEVOS_API_TOKEN: TOKEN, ...vars },
    createExecutionContext(),
  );
}

describe("the operator's token", () => {
  it("never reaches app code, in any spelling; app keys and user tokens in Bearer still do", async () => {
    const name = await deployed();
    const seen = `http://gateway.test/apps/${name}/seen`;
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER   ${TOKEN} `, TOKEN, `Token ${TOKEN}`]) {
      const res = await call(seen, { authorization });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ authorization: null });
    }
    for (const authorization of ["Bearer user-token-abc", `Bearer ${TOKEN}x`, `Bearer x${TOKEN}`]) {
      const res = await call(seen, { authorization });
      expect((await json(res)).authorization).toBe(authorization);
    }
    // The same on the app's own origin.
    const own = await call(`http://${name}.localhost:8787/seen`, {
      host: `${name}.localhost:8787`,
      authorization: `Bearer ${TOKEN}`,
    });
    expect(await json(own)).toMatchObject({ authorization: null });
  });
});

describe("the gateway's origin", () => {
  it("sandboxes every /apps/ answer with CSP, drops the app's Set-Cookie and never hands it the gateway's cookies", async () => {
    const name = await deployed();
    const page = await call(`http://gateway.test/apps/${name}/page`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(CSP);
    expect(page.headers.get("set-cookie")).toBeNull();
    for (const path of [`/apps/${name}/entries`, `/apps/${name}/nothing`, `/apps/${name}//x`, "/apps/no-such-app/x"]) {
      const res = await call(`http://gateway.test${path}`);
      expect({ path, csp: res.headers.get("content-security-policy") }).toEqual({ path, csp: CSP });
    }
    const seen = await json(await call(`http://gateway.test/apps/${name}/seen`, { cookie: "session=gateway" }));
    expect(seen.cookie).toBeNull();
    // The dashboard and the API are not sandboxed.
    expect((await call("http://gateway.test/healthz")).headers.get("content-security-policy")).toBeNull();
  });
});

describe("an app's own origin", () => {
  it("serves the app whole: its cookies pass both ways", async () => {
    const name = await deployed();
    const host = `${name}.localhost:8787`;
    const page = await call(`http://${host}/page`, { host });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("hi");
    expect(page.headers.get("set-cookie")).toContain("visitor=1");
    expect(page.headers.get("content-security-policy")).toBeNull();
    expect(await json(await call(`http://${host}/seen`, { host, cookie: "visitor=1" }))).toMatchObject({
      cookie: "visitor=1",
    });
    // On Cloudflare: {name}.{APPS_DOMAIN}.
    const onDomain = await call(
      `https://${name}.apps.example.com/page`,
      { host: `${name}.apps.example.com` },
      { APPS_DOMAIN: "apps.example.com" },
    );
    expect(onDomain.headers.get("set-cookie")).toContain("visitor=1");
  });

  it("never reaches /v1 or the dashboard, even with the operator's token", async () => {
    const name = await deployed();
    const host = `${name}.localhost:8787`;
    for (const path of ["/v1/apps", "/v1/runs", `/v1/apps/${name}/secrets`, "/openapi.json", "/docs", "/"]) {
      const res = await call(`http://${host}${path}`, { host, authorization: `Bearer ${TOKEN}` });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect((await json(res)).error.code).toBe("not_found");
    }
    const unknown = await call("http://no-such-app.localhost:8787/entries", { host: "no-such-app.localhost:8787" });
    expect(unknown.status).toBe(404);
    const bad = await call(`http://${host}//x/_aidevos/check`, { host });
    expect(bad.status).toBe(404);
  });
});
