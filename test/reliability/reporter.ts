// `pnpm test:reliability` also prints each promise with what it measured and whether it held, and writes
// them to bench/results/<time>-reliability.json, like `pnpm bench`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export default class ReliabilityReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules.flatMap((m) =>
      [...m.children.allTests()].map((t) => ({
        file: relative(process.cwd(), m.moduleId),
        promise: t.name,
        held: t.result().state === "passed" ? "held" : `BROKEN (${t.result().state})`,
        figures: t.meta().reliability ?? {},
      })),
    );
    if (rows.length === 0) return;
    const table = [["promise", "result", "measured"]].concat(
      rows.map((r) => [
        r.promise,
        r.held,
        Object.entries(r.figures)
          .map(([k, v]) => `${k}: ${v}`)
          .join(", "),
      ]),
    );
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    const dir = join(process.cwd(), "bench/results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${Date.now()}-reliability.json`);
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
    console.log(
      `\n${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n")}\n\nwritten to ${file}`,
    );
  }
}
