// What a live app without actions costs without its monitor: the same apps served only through their
// host (/__bench/bare), at the largest level, so the proxy's figure can be split into app and monitor.
import { it } from "vitest";
import { LEVELS, liveScale } from "./live";
import { benchServer } from "./support";

const server = benchServer("live-bare");

it("live apps without actions, host and facet only", { timeout: 3_600_000 }, async () => {
  await liveScale(server, "declarative", [Math.max(...LEVELS)], "bare");
});
