// Live apps with actions (a Worker each), served through the public proxy, on a server of their own.
import { it } from "vitest";
import { ACTION_LEVELS, liveScale } from "./live";
import { benchServer } from "./support";

const server = benchServer("live-actions");

it("live apps with actions: memory per app and latency, at each level", { timeout: 3_600_000 }, async () => {
  await liveScale(server, "actions", ACTION_LEVELS);
});
