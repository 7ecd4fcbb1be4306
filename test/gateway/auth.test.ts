// Proves the API token: without AIDEVOS_API_TOKEN the API is open; with it, /v1/* needs the bearer token.
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

  it("lets the right token through", async () => {
    const res = await call("/v1/runs", { authorization: `Bearer ${TOKEN}` }, TOKEN);
    expect(res.status).toBe(200);
  });

  it("keeps /healthz open, so probes need no secret", async () => {
    expect((await call("/healthz", {}, TOKEN)).status).toBe(200);
  });
});
