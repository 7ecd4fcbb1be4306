import { AppName, MAX_SCHEDULE_RUN_LINE, SCHEDULE_RUN_MARK, ScheduleRunLine } from "@aidevos/core";
import { type TailRequest, tailRequestOf } from "./tail-requests";

/** Requests of one app kept from one batch of tail events (what the traffic buffer hands off at once). */
const MAX_REQUESTS = 1000;

/** An alarm of an app's Worker that did not end well (an exception, CPU or memory exceeded, ...). */
interface AlarmFailure {
  at: number;
  ms: number;
  message: string;
}

/** What one app's Worker on Cloudflare told its tail about its schedules and traffic in a batch of events. */
export interface TailReport {
  /** The app: its Worker's script name is the app's name (CloudflareDeployer uploads it so). */
  app: string;
  runs: ScheduleRunLine[];
  alarmFailures: AlarmFailure[];
  /** Requests it served at its workers.dev address (never those the gateway's dispatch route passed on). */
  requests: TailRequest[];
  /** Requests past MAX_REQUESTS in this batch, said and not recorded. */
  dropped: number;
}

const LINE_START = `{"aidevos":${JSON.stringify(SCHEDULE_RUN_MARK)}`;

/**
 * Our runtime's structured line, or null for any other log: only a single string argument, no longer
 * than MAX_SCHEDULE_RUN_LINE, that starts as ours is parsed (JSON.parse, then the one zod schema).
 */
function scheduleRunOf(log: Pick<TraceLog, "message">): ScheduleRunLine | null {
  const message: unknown = log.message;
  const text = Array.isArray(message) && message.length === 1 ? message[0] : message;
  if (typeof text !== "string" || text.length > MAX_SCHEDULE_RUN_LINE || !text.startsWith(LINE_START)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const line = ScheduleRunLine.safeParse(parsed);
  return line.success ? line.data : null;
}

function isAlarm(event: TraceItem["event"]): event is TraceItemAlarmEventInfo {
  return event !== null && typeof event === "object" && "scheduledTime" in event && !("cron" in event);
}

function alarmFailureOf(item: TraceItem): AlarmFailure | null {
  if (!isAlarm(item.event) || item.outcome === "ok") return null;
  const thrown = item.exceptions[0];
  const why = thrown ? `${thrown.name}: ${thrown.message}` : `it ended with outcome ${item.outcome}`;
  return {
    at: item.eventTimestamp ?? Date.now(),
    ms: item.wallTime ?? 0,
    message: `alarm failed: ${why}`.slice(0, 300),
  };
}

/** Whose events are ours: not our gateway's own, and from the namespace apps are uploaded into (or none). */
export interface TailScope {
  ownScript: string;
  namespace?: string;
  /** Standalone app Workers are `<appPrefix><app>` (AIDEVOS_APP_SCRIPT_PREFIX); apps shipped before it keep their bare name. */
  appPrefix?: string;
}

/**
 * The schedule runs, failed alarms and served requests in a batch of tail events, by app. Events of
 * other Workers (our gateway, a name no app can have, another dispatch namespace), every other log
 * line and fetch events that are not traffic to count (tailRequestOf) are skipped.
 */
export function tailReports(events: readonly TraceItem[], scope: TailScope): TailReport[] {
  const byApp = new Map<string, TailReport>();
  for (const item of events) {
    const worker = item.scriptName;
    if (worker === null || worker === scope.ownScript) continue;
    const script =
      !item.dispatchNamespace && scope.appPrefix && worker.startsWith(scope.appPrefix)
        ? worker.slice(scope.appPrefix.length)
        : worker;
    if (!AppName.safeParse(script).success) continue;
    // An event that names a namespace must name ours (one that names none is taken at the script's word).
    if (item.dispatchNamespace && item.dispatchNamespace !== scope.namespace) continue;
    const runs = item.logs.map(scheduleRunOf).filter((l): l is ScheduleRunLine => l !== null);
    const failure = alarmFailureOf(item);
    const request = tailRequestOf(item, scope.namespace);
    if (runs.length === 0 && !failure && !request) continue;
    const report = byApp.get(script) ?? { app: script, runs: [], alarmFailures: [], requests: [], dropped: 0 };
    report.runs.push(...runs);
    if (failure) report.alarmFailures.push(failure);
    if (request && report.requests.length < MAX_REQUESTS) report.requests.push(request);
    else if (request) report.dropped++;
    byApp.set(script, report);
  }
  return [...byApp.values()];
}
