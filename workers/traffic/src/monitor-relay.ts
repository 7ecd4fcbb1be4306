import { WorkerEntrypoint } from "cloudflare:workers";
import type { RequestEvent } from "@aidevos/core";
import { appMonitorOf } from "@aidevos/objects";

/**
 * The traffic buffer's way to an app's monitor. A stub a Durable Object makes lives as long as that
 * object's context, and workerd keeps the object a stub points to in memory while the stub lives:
 * called straight from an always-live buffer shard, every monitor it ever handed requests to would
 * stay live. Through this stateless entrypoint the monitor's stub ends with each call, so the monitor
 * is evicted 10 s after its hand-off.
 */
export class MonitorRelay extends WorkerEntrypoint<Env> {
  async record(app: string, events: RequestEvent[]): Promise<void> {
    await appMonitorOf(this.env, app).record(app, events);
  }
}
