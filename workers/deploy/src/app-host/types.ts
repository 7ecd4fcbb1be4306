import type { Place } from "../realtime-host";

/** The version a host should serve, as the Registry names it. */
export interface LiveTarget {
  app: string;
  version: number;
  codeHash: string;
}

/**
 * What became of a request to an app. Failures are answers, not exceptions: an error thrown across
 * RPC loses its class, and the gateway turns these into its typed errors in one place.
 */
export type Routed =
  | { kind: "served"; response: Response; version: number; key: string | null; path: string }
  | { kind: "failed"; version: number; key: string | null; path: string; message: string; frame: string }
  | { kind: "no_app" }
  | { kind: "no_key" }
  | { kind: "bad_key" }
  | { kind: "unauthorized"; keySent: boolean }
  | { kind: "quota_exceeded"; message: string };

/** What `POST /v1/apps/{name}/schedules/{schedule}/run` came to. */
export type ScheduleRun = { kind: "ran"; partitions: number } | { kind: "no_app" } | { kind: "no_schedule" };
/** Where a schedule runs now (the partitions), or why it cannot. */
export type SchedulePlaces = { kind: "places"; places: Place[] } | { kind: "no_app" } | { kind: "no_schedule" };
