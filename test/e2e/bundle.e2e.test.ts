// Proves the same configuration deploys: `wrangler deploy --dry-run` bundles the Worker within Cloudflare's size limits,
// and the sizes README.md and docs/deploying.md state are the bundle's (within 15%): a claim that drifts fails here.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const GZIP_LIMIT_KIB = 3 * 1024; // Workers Free; Paid allows 10 MiB
const ROOT = resolve(__dirname, "../..");

/** Every "N KiB gzip" a doc states, as numbers. */
function statedGzipKiB(file: string): number[] {
  const text = readFileSync(resolve(ROOT, file), "utf8");
  return [...text.matchAll(/([\d,.]+) KiB\**\s+gzip/g)].map((m) => Number(m[1]!.replaceAll(",", "")));
}

it("bundles for deployment within the Workers size limit", async () => {
  const out = mkdtempSync(join(tmpdir(), "aidevos-bundle-"));
  try {
    const { stdout } = await promisify(execFile)("pnpm", ["exec", "wrangler", "deploy", "--dry-run", "--outdir", out], {
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const gzip = Number(match![2]);
    expect(gzip).toBeLessThan(GZIP_LIMIT_KIB);
    for (const file of ["README.md", "docs/deploying.md"]) {
      const stated = statedGzipKiB(file);
      expect(stated.length, `${file} states the bundle's gzip size`).toBeGreaterThan(0);
      for (const kib of stated)
        expect(Math.abs(kib - gzip) / gzip, `${file} says ${kib} KiB gzip, the bundle is ${gzip}`).toBeLessThan(0.15);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
