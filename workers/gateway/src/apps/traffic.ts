import type { RequestEvent } from "@aidevos/core";
import { trafficBufferOf } from "@aidevos/objects";

const FLUSH_AFTER_MS = 250;
const FLUSH_AT = 200;
// Bounded: literal alternatives without quantifiers, linear in the header name. A browser sends its
// app key as a WebSocket subprotocol (`key.<app key>`), so that header is redacted too.
const SECRET_HEADER = /auth|cookie|token|key|secret|signature|websocket-protocol/i;

/** Requests waiting to be recorded, per app, in this isolate. */
const pending = new Map<string, RequestEvent[]>();

export function redactedSample(request: Pick<Request, "method" | "headers">, path: string): RequestEvent["sample"] {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers)
    headers[name] = SECRET_HEADER.test(name) ? "[redacted]" : value.slice(0, 200);
  return { method: request.method, path: path.slice(0, 500), headers };
}

/**
 * Hands a served request to the app's monitor off the hot path: events are batched per app and
 * sent after the response to the app's traffic buffer shard, which hands them to the monitor once a
 * period, or at once for a 5xx (workers/traffic); a buffer or monitor that fails never touches the
 * user's request.
 */
export function recordRequest(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  app: string,
  event: RequestEvent | Promise<RequestEvent>,
): void {
  ctx.waitUntil(
    Promise.resolve(event).then(async (e) => {
      let batch = pending.get(app);
      const first = !batch;
      if (!batch) {
        batch = [];
        pending.set(app, batch);
      }
      batch.push(e);
      if (!first && batch.length < FLUSH_AT) return;
      if (first) await new Promise((resolve) => setTimeout(resolve, FLUSH_AFTER_MS));
      if (pending.get(app) !== batch) return;
      pending.delete(app);
      try {
        await trafficBufferOf(env, app).hold(app, batch);
      } catch (err) {
        console.warn(`monitoring of ${app} missed ${batch.length} requests`, String(err));
      }
    }),
  );
}

/** What a 5xx answer says about itself: its JSON error code and message, grouped with the route. */
export async function errorOf(res: Response, route: string): Promise<{ message: string; frame: string }> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    return {
      message: `${res.status} ${body.error?.code ?? ""}: ${body.error?.message ?? ""}`.slice(0, 300),
      frame: route,
    };
  } catch {
    return { message: `${res.status} ${text.slice(0, 200)}`, frame: route };
  }
}
