import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput, type CodeBundle } from "@aidevos/core";

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** A fresh app host (its own storage) serving a compiled spec, driven with paths relative to the app's base. */
export async function hostApp(input: AppSpecInput) {
  let bundle = await compileApp(AppSpec.parse(input));
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(`test:${crypto.randomUUID()}`));
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await host.serveBundle(new Request(`http://app${path}`, init), bundle);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    send,
    host,
    get bundle(): CodeBundle {
      return bundle;
    },
    /** Serves the next requests with a new version of the app on the same data. */
    async redeploy(next: AppSpecInput | CodeBundle) {
      bundle = "files" in next ? next : await compileApp(AppSpec.parse(next));
    },
  };
}
