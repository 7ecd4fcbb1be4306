/** A client of a running AIDevOS over real HTTP (`wrangler dev`), for the black-box tests. */
export class Http {
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  /** A request as a client sends it; with a token, `Authorization: Bearer` unless the caller sets its own. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token && !headers.has("authorization")) headers.set("authorization", `Bearer ${this.token}`);
    return fetch(`${this.base}${path}`, { ...init, headers });
  }

  async get<T = any>(path: string): Promise<T> {
    const res = await this.fetch(path);
    if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  async post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  /** Every item of a paged list (`{ items, nextCursor }`), following the cursors. */
  async all<T = any>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page: { items: T[]; nextCursor: string | null } = await this.get(
        cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** Polls a run until it ends (or the time is up: the caller asserts on the status it gets). */
  async finished(id: string, timeoutMs: number): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let run = await this.get(`/v1/runs/${id}`);
    while (!["succeeded", "failed", "cancelled"].includes(run.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      run = await this.get(`/v1/runs/${id}`);
    }
    return run;
  }

  /** The messages of a finished run's event stream, in order. */
  async messages(id: string): Promise<string[]> {
    const text = await (await this.fetch(`/v1/runs/${id}/events`)).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => JSON.parse(l.slice(6)).message as string | undefined)
      .filter((m): m is string => typeof m === "string");
  }
}
