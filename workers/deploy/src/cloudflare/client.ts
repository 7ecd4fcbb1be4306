import { AidevosError, type SettingsSource, setting } from "@aidevos/core";

export interface CloudflareConfig {
  accountId: string;
  apiToken: string;
  /** https://api.cloudflare.com/client/v4 unless pointed elsewhere (a proxy, or a test server). */
  baseUrl: string;
  /** Workers for Platforms: upload into this dispatch namespace instead of as standalone scripts. */
  dispatchNamespace?: string;
}

/** The API's own error codes and messages, never the token. */
export class CloudflareApiError extends AidevosError {
  constructor(
    readonly httpStatus: number,
    readonly errors: { code: number; message: string }[],
  ) {
    const text = errors.map((e) => `${e.code}: ${e.message}`).join("; ") || `HTTP ${httpStatus}`;
    super("cloudflare_api_error", `Cloudflare API: ${text}`, 502);
  }
}

const RETRIES = 4;

/**
 * The few Cloudflare API calls deploys need, over fetch: uploads must be multipart with a JSON
 * `metadata` part, which the official SDK encodes wrongly today (cloudflare-typescript#2799).
 * Rate limits and transient failures are retried with backoff, honouring Retry-After.
 */
export class CloudflareClient {
  constructor(
    private readonly config: CloudflareConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  get account(): string {
    return this.config.accountId;
  }

  async call<T>(method: string, path: string, body?: FormData | object): Promise<T> {
    const url = `${this.config.baseUrl.replace(/\/$/, "")}/accounts/${this.config.accountId}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { authorization: `Bearer ${this.config.apiToken}` };
      let payload: BodyInit | undefined;
      if (body instanceof FormData) payload = body;
      else if (body !== undefined) {
        headers["content-type"] = "application/json";
        payload = JSON.stringify(body);
      }
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body: payload });
      } catch (err) {
        if (attempt >= RETRIES) throw new CloudflareApiError(0, [{ code: 0, message: `unreachable: ${String(err)}` }]);
        await this.sleep(250 * 2 ** attempt);
        continue;
      }
      const envelope = (await res.json().catch(() => null)) as {
        success?: boolean;
        errors?: { code: number; message: string }[];
        result?: T;
      } | null;
      if (res.ok && envelope?.success !== false) return envelope?.result as T;
      if ((res.status === 429 || res.status >= 500) && attempt < RETRIES) {
        const retryAfter = Number(res.headers.get("retry-after"));
        await this.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt);
        continue;
      }
      throw new CloudflareApiError(res.status, envelope?.errors ?? []);
    }
  }

  /** A script's path; with an empty name, the list of scripts. */
  scriptPath(name: string): string {
    const base = this.config.dispatchNamespace
      ? `/workers/dispatch/namespaces/${this.config.dispatchNamespace}/scripts`
      : "/workers/scripts";
    return name ? `${base}/${name}` : base;
  }

  get usesDispatchNamespace(): boolean {
    return this.config.dispatchNamespace !== undefined;
  }
}

export function cloudflareConfig(env: SettingsSource): CloudflareConfig | null {
  const accountId = setting(env, "CLOUDFLARE_ACCOUNT_ID");
  const apiToken = setting(env, "CLOUDFLARE_API_TOKEN");
  if (!accountId || !apiToken) return null;
  return {
    accountId,
    apiToken,
    baseUrl: setting(env, "CLOUDFLARE_API_BASE_URL"),
    dispatchNamespace: setting(env, "CLOUDFLARE_DISPATCH_NAMESPACE"),
  };
}
