// Proves hostile bodies get a clear 4xx JSON answer every time, over real HTTP against `wrangler dev` (as `pnpm dev`
// starts it): a 40 MiB chunked body to an app route answers 413 `payload_too_large` on each of 12 tries (it used to
// reset the connection or answer the dev proxy's 500 stack trace in 5 of 12), and JSON nested past 64 levels answers
// 400 `validation_failed` at `POST /v1/runs` (5,000 nested arrays in an example body were a 500 at the RPC call) and
// at an app's entity and action routes, while 64 levels still pass.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, devCall, devDeploy, startWranglerDev } from "../e2e/wrangler-dev";

let dev: DevServer;
const APP = `bodies-${Date.now().toString(36)}`;

beforeAll(async () => {
  dev = await startWranglerDev();
  await devDeploy(dev, {
    name: APP,
    entities: [{ name: "note", plural: "notes", fields: { data: { type: "string" } } }],
    actions: [
      {
        name: "echo",
        method: "POST",
        path: "/echo",
        code: "export default async (req, ctx) => ({ got: typeof (await ctx.body()) });\n",
      },
    ],
  });
}, 180_000);
afterAll(async () => {
  await dev?.stop();
});

/**
 * Sends `size` bytes chunked (no Content-Length) with node:http, which reads an early answer while it
 * is still sending (Node's fetch fails instead: ../shared/platform-facts.md).
 */
function sendChunked(path: string, size: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const url = new URL(path, dev.base);
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", (err) => resolve({ error: String(err) }));
      },
    );
    req.on("error", (err) => resolve({ error: String(err) }));
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** The error code of a JSON answer, or the start of an answer that is not one (a stack trace, say). */
function codeOf(body: string): string {
  try {
    return JSON.parse(body).error?.code;
  } catch {
    return body.slice(0, 60);
  }
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("oversized bodies", () => {
  it("answer 413 payload_too_large to a 40 MiB chunked body on each of 12 tries", { timeout: 240_000 }, async () => {
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await sendChunked(`/apps/${APP}/notes`, 40 * 1024 * 1024);
      answers.push("error" in res ? res.error : `${res.status} ${codeOf(res.body)}`);
    }
    expect(answers).toEqual(Array(12).fill("413 payload_too_large"));
    // Nothing was stored, and the gateway still serves.
    expect((await devCall(dev, `/apps/${APP}/notes`)).body.items).toEqual([]);
  });
});

describe("deeply nested JSON", () => {
  it("answers 400 validation_failed at POST /v1/runs for 5,000 nested arrays in an example body", async () => {
    const body = `{"request":"deep","spec":{"name":"deep-json","examples":[{"method":"POST","path":"/x","body":${nested(5000)}}]}}`;
    const res = await fetch(`${dev.base}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("validation_failed");
    expect(error.message).not.toMatch(/ at |\.ts:|\.js:/);
  });

  it("answers 400 validation_failed past 64 levels at an app's entity and action routes, and takes 64", async () => {
    for (const path of [`/apps/${APP}/notes`, `/apps/${APP}/echo`]) {
      const deep = await fetch(`${dev.base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"data":${nested(5000)}}`,
      });
      expect(deep.status, path).toBe(400);
      expect(((await deep.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
    }
    // 64 levels in all (the object itself is one): accepted by the parser, then judged by the contract.
    const ok = await fetch(`${dev.base}/apps/${APP}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"data":${nested(63)}}`,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ got: "object" });
  });
});
