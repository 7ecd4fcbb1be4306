// Proves action code reaches nothing of the platform through imports (issue 26, attack 5):
// `import { env } from "cloudflare:workers"`, node:*, packages, URLs, `../` and dynamic import()
// are refused at POST /v1/runs (400 validation_failed naming the action's code); a module that
// still asks cloudflare:workers for `env` (hand-made bundles, which skip the spec check) does not
// load; and the env the loaded app gets hands over no secret its spec does not declare.
import { env } from "cloudflare:workers";
import { bundleHash, type CodeBundle } from "@aidevos/core";
import { instrumentModule } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { putSecret } from "../access/support";
import { api, json, uniqueName } from "../support/api";

const REFUSED = [
  'import { env } from "cloudflare:workers";\nexport default async () => env.PLATFORM.secrets();',
  'import * as cf from "cloudflare:workers";\nexport default async () => Object.keys(cf.env);',
  'import { readFileSync } from "node:fs";\nexport default async () => readFileSync("/etc/passwd");',
  'import _ from "lodash";\nexport default async () => _.VERSION;',
  'import x from "https://esm.sh/x";\nexport default async () => x;',
  'import x from "../runtime/model.js";\nexport default async () => x;',
  'export { env } from "cloudflare:workers";\nexport default async () => 1;',
  'export default async () => (await import("cloudflare:" + "workers")).env;',
];

describe("imports in action code", () => {
  it("are refused at POST /v1/runs unless they name the app's own module", async () => {
    for (const code of REFUSED) {
      const spec = {
        name: uniqueName("imports"),
        entities: [],
        actions: [{ name: "peek", method: "GET", path: "/peek", code }],
      };
      const res = await api("/v1/runs", { method: "POST", json: { request: "r", spec } });
      expect(res.status, code).toBe(400);
      const body = await json(res);
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details, code).toContainEqual({
        path: "spec.actions.0.code",
        message: expect.stringMatching(
          /^action peek: code (imports .*|uses import\(\)): action code imports only the app's own modules/,
        ),
      });
    }
  });
});

async function bundleOf(files: { path: string; content: string }[]): Promise<CodeBundle> {
  const source = files.map((f) => ({ ...f, role: "source" as const }));
  return { mainModule: "app.js", className: "App", files: source, hash: await bundleHash(source) };
}

function stagingHost() {
  return env.APP_HOST.get(env.APP_HOST.idFromName(`imports:${crypto.randomUUID()}`));
}

describe("the loaded app's env", () => {
  it("cannot be imported from cloudflare:workers by any module the sandbox loads", () => {
    // instrumentModule runs on every module of every loaded app, runtime and hand-made bundles alike.
    const ask = (imports: string) => () =>
      instrumentModule(
        `import { ${imports} } from "cloudflare:workers";\nexport class App extends DurableObject {}`,
        "app.js",
      );
    expect(ask("DurableObject, env")).toThrow(
      /cloudflare:workers is imported for DurableObject, WorkerEntrypoint, RpcTarget only/,
    );
    expect(ask("DurableObject, exports")).toThrow(/imported for DurableObject/);
    expect(() => instrumentModule('import * as cf from "cloudflare:workers";', "app.js")).toThrow(/imported for/);
    expect(() => instrumentModule('export { env } from "cloudflare:workers";', "app.js")).toThrow(/imported for/);
    expect(ask("DurableObject")).not.toThrow();
  });

  it("hands over through env.PLATFORM only the secrets the spec declares", async () => {
    const app = uniqueName("platform-env");
    expect((await putSecret(app, "DECLARED", "declared-value-1")).status).toBe(204);
    expect((await putSecret(app, "UNDECLARED", "undeclared-value-2")).status).toBe(204);
    const bundle = await bundleOf([
      { path: "spec.js", content: `export const SPEC = ${JSON.stringify({ name: app, secrets: ["DECLARED"] })};` },
      {
        path: "app.js",
        content: `import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  async fetch() { return Response.json(await this.env.PLATFORM.secrets()); }
}`,
      },
    ]);
    const res = await stagingHost().serveBundle(new Request("http://app/"), bundle);
    expect(await res.json()).toEqual({ DECLARED: "declared-value-1" });
  });
});
