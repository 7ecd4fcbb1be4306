// Type-checks each shared package (packages/*) on its own: its sources and what they import,
// without the Worker's generated Env (workers/gateway/worker-configuration.d.ts), so a package
// that reaches for the gateway's types or for a binding fails here. The workers and tests are
// checked together by `tsc -p tsconfig.json` (they are wired by that generated Env).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const out = join(root, "node_modules", ".cache", "typecheck-packages");
mkdirSync(out, { recursive: true });
const tsc = join(root, "node_modules", ".bin", "tsc");

let failed = 0;
for (const name of readdirSync(join(root, "packages")).sort()) {
  const dir = join(root, "packages", name);
  if (!existsSync(join(dir, "package.json"))) continue;
  const config = join(out, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(root, "tsconfig.base.json"),
      // Every package's own declarations too: a dependency's ambient modules (the compiler's
      // `#runtime/*` text imports) travel with its sources.
      include: [join(dir, "src", "**", "*.ts"), join(root, "packages", "*", "src", "**", "*.d.ts")],
    }),
  );
  try {
    execFileSync(tsc, ["--noEmit", "-p", config], { stdio: "inherit" });
    console.log(`packages/${name}: types ok on its own`);
  } catch {
    failed += 1;
    console.error(`packages/${name}: does not type-check on its own`);
  }
}
process.exit(failed ? 1 : 0);
