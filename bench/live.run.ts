// Live apps without actions (one shared runtime), served through the public proxy: memory per live app
// and first and warm requests, at 100 and 1,000 (bench/live.ts says how).
import { it } from "vitest";
import { LEVELS, liveScale } from "./live";
import { benchServer } from "./support";

const server = benchServer("live");

it("live apps without actions: memory per app and latency, at each level", { timeout: 3_600_000 }, async () => {
  await liveScale(server, "declarative", LEVELS);
});
