// Proves the one env-reading helper: empty or unset vars give their defaults (an empty
// AIDEVOS_MAX_REFINE_ROUNDS used to mean 0 refine rounds), valid values are parsed, invalid ones
// fall back to the default, and the Worker's own vars read as wrangler.toml sets them.

import { env } from "cloudflare:workers";
import { setting } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { loopPolicy } from "../../workers/monitoring/src/loop-policy";

describe("setting", () => {
  it("gives the default for an empty or unset var", () => {
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "" }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "  " }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting({}, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting({ AIDEVOS_PROVIDER: "" }, "AIDEVOS_PROVIDER")).toBeUndefined();
    expect(setting({ AIDEVOS_MODEL: "" }, "AIDEVOS_MODEL")).toBeUndefined();
    expect(setting({ CLOUDFLARE_API_BASE_URL: "" }, "CLOUDFLARE_API_BASE_URL")).toBe(
      "https://api.cloudflare.com/client/v4",
    );
    expect(setting({ AIDEVOS_BENCH: "" }, "AIDEVOS_BENCH")).toBe(false);
    expect(loopPolicy({ AIDEVOS_ROLLBACK_ERROR_RATE: "", AIDEVOS_ROLLBACK_WINDOW_SECONDS: "" })).toEqual({
      errorRate: 0.5,
      windowMs: 300_000,
      minRequests: 20,
      p95Ms: 1000,
    });
  });

  it("parses valid values, zero included", () => {
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "0" }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(0);
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "5" }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(5);
    expect(setting({ AIDEVOS_ROLLBACK_ERROR_RATE: "0.25" }, "AIDEVOS_ROLLBACK_ERROR_RATE")).toBe(0.25);
    expect(setting({ AIDEVOS_PROVIDER: " anthropic " }, "AIDEVOS_PROVIDER")).toBe("anthropic");
    expect(setting({ AIDEVOS_BENCH: "1" }, "AIDEVOS_BENCH")).toBe(true);
  });

  it("replaces an invalid value by the default rather than by NaN or 0", () => {
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "three" }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting({ AIDEVOS_MAX_REFINE_ROUNDS: "-1" }, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting({ AIDEVOS_ROLLBACK_ERROR_RATE: "2" }, "AIDEVOS_ROLLBACK_ERROR_RATE")).toBe(0.5);
    expect(setting({ AIDEVOS_PROVIDER: "gpt" }, "AIDEVOS_PROVIDER")).toBeUndefined();
  });

  it("reads the Worker's vars as wrangler.toml and the test config set them", () => {
    expect(setting(env, "AIDEVOS_MAX_REFINE_ROUNDS")).toBe(3);
    expect(setting(env, "CLOUDFLARE_ACCOUNT_ID")).toBe("test-account");
    expect(setting(env, "AIDEVOS_BENCH")).toBe(false);
  });
});
