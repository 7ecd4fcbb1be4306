import { readFile } from "node:fs/promises";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig, type Plugin } from "vitest/config";

/**
 * The compiler imports the AppSpec runtime and the re2js module (`#runtime/*.js`), the sandbox its guard
 * and entry runtime (`#sandbox/*.js`), as their source text (packages/compiler/src/compile.ts,
 * packages/sandbox/src/guard.ts). wrangler follows the Text rule in wrangler.toml; every
 * vitest project, the workers pool included, gets the same text from this plugin (the pool matches
 * rules against resolved paths, and packages/core imports re2js as code from the same file). The
 * virtual id keeps the text apart from the real modules.
 */
function runtimeAsText(): Plugin {
  const PREFIX = "\0aidevos-text:";
  return {
    name: "aidevos-runtime-as-text",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!source.startsWith("#runtime/") && !source.startsWith("#sandbox/")) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? PREFIX + resolved.id : null;
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return null;
      return `export default ${JSON.stringify(await readFile(id.slice(PREFIX.length), "utf8"))};`;
    },
  };
}

/** Real workerd with the same wrangler.toml as `wrangler dev`, plus where the loopback fakes listen. */
function inWorkerd(
  name: string,
  files: { include: string[]; exclude?: string[] },
  extra: (inject: (key: "anthropicUrl" | "openaiUrl") => string) => Record<string, string> = () => ({}),
  main = "./workers/gateway/src/index.ts",
) {
  return {
    plugins: [
      runtimeAsText(),
      cloudflareTest(({ inject }) => ({
        main,
        wrangler: { configPath: "./wrangler.toml" },
        // Where the loopback fakes of external APIs listen (test/fakes/global-setup.ts).
        miniflare: {
          bindings: {
            TEST_ANTHROPIC_URL: inject("anthropicUrl"),
            TEST_OPENAI_URL: inject("openaiUrl"),
            // A listening server sandboxed code must never reach (test/fakes/canary-server.ts).
            TEST_CANARY_URL: inject("canaryUrl"),
            // Every deploy in the tests also ships to the loopback Cloudflare API.
            CLOUDFLARE_API_BASE_URL: inject("cloudflareUrl"),
            CLOUDFLARE_ACCOUNT_ID: "test-account",
            CLOUDFLARE_API_TOKEN: "cf-test-token-9d2f",
            AIDEVOS_ALERT_WEBHOOK_URL: `${inject("webhookUrl")}/hook`,
            ...extra(inject),
          },
        },
      })),
    ],
    test: {
      name,
      globalSetup: ["./test/fakes/global-setup.ts"],
      ...files,
      testTimeout: 30_000,
      hookTimeout: 30_000,
      deps: { optimizer: { ssr: { include: ["zod", "hono", "@hono/zod-openapi", "acorn", "acorn-walk"] } } },
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      // Everything that runs inside real workerd, offline provider by default.
      inWorkerd("workers", {
        include: ["test/**/*.test.ts"],
        exclude: ["test/e2e/**", "test/reliability/**/*.e2e.test.ts", "test/models/**", "test/**/*.faults.test.ts"],
      }),
      // Whole runs against the loopback Anthropic API: every run of this project calls the fake
      // "model" with one key, whose answers each test scripts (so its tests run one after another).
      inWorkerd("models", { include: ["test/models/**/*.test.ts"] }, (inject) => ({
        AIDEVOS_PROVIDER: "anthropic",
        ANTHROPIC_API_KEY: "sk-ant-fake-models",
        ANTHROPIC_BASE_URL: inject("anthropicUrl"),
      })),
      // Fault injection: the same Worker, but its stages are the test subclasses of test/worker/index.ts.
      // Its app requests get a short deadline, so a hung action is seen answering 504 in seconds (time.faults.test.ts).
      inWorkerd(
        "faults",
        { include: ["test/**/*.faults.test.ts"] },
        () => ({ AIDEVOS_ACTION_TIMEOUT_MS: "2000" }),
        "./test/worker/index.ts",
      ),
      {
        // Black-box: `wrangler dev` as the README starts it, driven over real HTTP from Node. The plugin
        // lets a test compile an app (the Worker Cloudflare would get) and serve it with wrangler dev.
        plugins: [runtimeAsText()],
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "test/reliability/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Not a test: `pnpm bench` measures, prints ratios against same-process baselines, writes bench/results.
        plugins: [runtimeAsText()],
        test: {
          name: "bench",
          include: ["bench/*.run.ts"],
          exclude: ["bench/quick.run.ts"],
          environment: "node",
          // One benchmark file at a time: two wrangler dev servers on two cores would measure each other.
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
      {
        // `pnpm bench:quick`, run by `pnpm test`: a minute of the figures most likely to regress, loose floors.
        plugins: [runtimeAsText()],
        test: {
          name: "bench-quick",
          include: ["bench/quick.run.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Not a test: `pnpm fixtures` writes the replay fixtures with the real compiler.
        plugins: [runtimeAsText()],
        test: { name: "fixtures", include: ["scripts/fixtures.record.ts"], environment: "node" },
      },
    ],
  },
});
