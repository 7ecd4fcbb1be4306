import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Every test runs inside real workerd with the same wrangler.toml as `wrangler dev`.
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./workers/gateway/src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    deps: {
      optimizer: { ssr: { include: ["@anthropic-ai/sdk", "zod", "hono", "@hono/zod-openapi", "acorn", "acorn-walk"] } },
    },
  },
});
