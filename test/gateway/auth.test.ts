// Proves the API token: without AIDEVOS_API_TOKEN the API is open; with it, /v1/* needs the bearer token,
// and every 401 carries an RFC 6750 `WWW-Authenticate: Bearer` challenge.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/gateway/src/index";

const TOKEN = "test-token-4f1c";

function call(path: string, headers: Record<string, string>, token?: string) {
  const withToken = token === undefined ? env : { ...env, AIDEVOS_API_TOKEN: token };
  return worker.fetch(new Request(`http://gateway.test${path}`, { headers }), withToken, createExecutionContext());
}

describe("bearer token", () => {
  it("leaves the API open when no token is configured", async () => {
    expect((await call("/v1/runs", {})).status).toBe(200);
  });

  it("answers 401 without the token, or with a wrong one", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: TOKEN },
      { authorization: "Bearer " },
    ];
    for (const headers of attempts) {
      const res = await call("/v1/runs", headers, TOKEN);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("unauthorized");
      expect(body.error.message).not.toContain(TOKEN);
    }
  });

  it("challenges every 401 with WWW-Authenticate: Bearer, naming a wrong token invalid_token", async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'Bearer realm="aidevos"'],
      [{ authorization: "Bearer " }, 'Bearer realm="aidevos"'],
      [{ authorization: `Basic ${btoa("a:b")}` }, 'Bearer realm="aidevos"'],
      [{ authorization: "Bearer wrong" }, 'Bearer realm="aidevos", error="invalid_token"'],
      [{ authorization: `bearer ${TOKEN}x` }, 'Bearer realm="aidevos", error="invalid_token"'],
    ];
    for (const [headers, challenge] of cases) {
      for (const path of ["/v1/runs", "/v1/apps", "/v1/knowledge"]) {
        const res = await call(path, headers, TOKEN);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")?.startsWith(challenge), `${path} ${JSON.stringify(headers)}`).toBe(
          true,
        );
        if (!challenge.includes("error=")) expect(res.headers.get("www-authenticate")).toBe(challenge);
        expect(res.headers.get("www-authenticate")).not.toContain(TOKEN);
      }
    }
  });

  it("takes the Bearer scheme case-insensitively (RFC 7235)", async () => {
    expect((await call("/v1/runs", { authorization: `bearer ${TOKEN}` }, TOKEN)).status).toBe(200);
  });

  it("lets the right token through", async () => {
    const res = await call("/v1/runs", { authorization: `Bearer ${TOKEN}` }, TOKEN);
    expect(res.status).toBe(200);
  });

  it("keeps /healthz open, so probes need no secret", async () => {
    expect((await call("/healthz", {}, TOKEN)).status).toBe(200);
  });
});
