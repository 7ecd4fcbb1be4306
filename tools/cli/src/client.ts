/** A thin client of the AIDevOS API, for any gateway URL, with the API token when there is one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Client {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: this.headers(body === undefined ? {} : { "content-type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "unreachable", `cannot reach ${this.baseUrl}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = parsed?.error ?? {};
      const details = (error.details ?? [])
        .map((d: { path: string; message: string }) => `\n  ${d.path || "(body)"}: ${d.message}`)
        .join("");
      throw new ApiError(res.status, error.code ?? "http_error", `${error.message ?? res.statusText}${details}`);
    }
    return parsed as T;
  }

  /** The run's events as they happen (Server-Sent Events), ending when the run ends. */
  async *events(
    runId: string,
  ): AsyncGenerator<{ seq: number; type: string; stage: string | null; level: string; message: string }> {
    const res = await fetch(new URL(`/v1/runs/${runId}/events`, this.baseUrl), { headers: this.headers() });
    if (!res.ok || !res.body)
      throw new ApiError(res.status, "events_failed", `cannot follow run ${runId}: ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (data && block.includes("id: ")) yield JSON.parse(data.slice(6));
        cut = buffer.indexOf("\n\n");
      }
    }
  }
}
