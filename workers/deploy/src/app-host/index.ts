// The host of an app's partition (host.ts) and what it is built from: its facet (facets.ts), the rules a
// request meets before app code (request-rules.ts), and the answers it gives across RPC (types.ts).
export { AppHostDO, LIVE_HEADER } from "./host";
export type { Routed, ScheduleRun } from "./types";
