// Proves the same configuration deploys: `wrangler deploy --dry-run` bundles the Worker within Cloudflare's size limits.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const GZIP_LIMIT_KIB = 3 * 1024; // Workers Free; Paid allows 10 MiB

it("bundles for deployment within the Workers size limit", async () => {
  const out = mkdtempSync(join(tmpdir(), "aidevos-bundle-"));
  try {
    const { stdout } = await promisify(execFile)("pnpm", ["exec", "wrangler", "deploy", "--dry-run", "--outdir", out], {
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    expect(Number(match![2])).toBeLessThan(GZIP_LIMIT_KIB);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
