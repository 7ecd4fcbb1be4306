import { readFileSync, writeFileSync } from "node:fs";
import { extname } from "node:path";
import { ApiError, type Client } from "./client.ts";

/** How a command prints: JSON with --json, else the text. */
type Print = (value: unknown, text: () => string) => void;

export class FilesUsageError extends Error {}

const USAGE =
  "files list <app> <plural> <id> | get <app> <plural> <id> <field> [--out FILE] | put <app> <plural> <id> <field> <file> [--type TYPE]  (each with [--key KEY] [--app-key KEY])";

/** Media types by extension, for `put` without --type; anything else is sent as application/octet-stream. */
const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".html": "text/html",
};

interface FileValue {
  size: number;
  contentType: string;
  sha256: string;
}

const isFile = (v: unknown): v is FileValue =>
  typeof v === "object" && v !== null && typeof (v as FileValue).sha256 === "string";

/**
 * `aidevos files list|get|put APP PLURAL ID …`: a record's `file` fields (AppSpec v3) through the
 * app's own file routes (`/apps/APP[/k/KEY]/PLURAL/ID/files/FIELD`), the same routes any client of
 * the app uses. The app's spec (which fields are files) comes from the management API with the API
 * token; the app's routes get an app key (`--app-key` or $AIDEVOS_APP_KEY) for an `access: "key"`
 * app, never the API token.
 */
export async function filesCommand(
  client: Client,
  rest: string[],
  flags: Record<string, string | true>,
  print: Print,
): Promise<number> {
  const [verb, app, plural, id, field, file] = rest;
  const wants = { list: 4, get: 5, put: 6 }[verb ?? ""];
  if (!wants || rest.length < wants || !app || !plural || !id) throw new FilesUsageError(USAGE);
  const key = typeof flags.key === "string" ? `/k/${encodeURIComponent(flags.key)}` : "";
  const record = `/apps/${encodeURIComponent(app)}${key}/${encodeURIComponent(plural)}/${encodeURIComponent(id)}`;
  const appKey = typeof flags["app-key"] === "string" ? flags["app-key"] : process.env.AIDEVOS_APP_KEY;
  const send = async (path: string, init: RequestInit = {}) => {
    let res: Response;
    try {
      res = await fetch(new URL(path, client.baseUrl), {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(appKey ? { authorization: `Bearer ${appKey}` } : {}),
        },
      });
    } catch (err) {
      throw new ApiError(0, "unreachable", `cannot reach ${client.baseUrl}: ${(err as Error).message}`);
    }
    if (res.ok) return res;
    const error = ((await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)
      ?.error;
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? res.statusText);
  };
  const fileRoute = (name: string) => `${record}/files/${encodeURIComponent(name)}`;

  if (verb === "list") {
    const spec = (await client.call("GET", `/v1/apps/${encodeURIComponent(app)}`)).spec as {
      entities: { plural: string; fields: Record<string, { type: string }> }[];
    };
    const entity = spec.entities.find((e) => e.plural === plural);
    if (!entity) throw new ApiError(404, "not_found", `${app} has no entity ${plural}`);
    const names = Object.entries(entity.fields)
      .filter(([, f]) => f.type === "file")
      .map(([name]) => name);
    const values = (await (await send(record)).json()) as Record<string, unknown>;
    const files = names.map((name) => {
      const v = values[name];
      return isFile(v)
        ? { field: name, size: v.size, contentType: v.contentType, sha256: v.sha256, url: fileRoute(name) }
        : { field: name, size: null, contentType: null, sha256: null, url: null };
    });
    print({ items: files }, () =>
      files.length === 0
        ? `${plural} has no file fields`
        : files
            .map((f) => (f.url ? [f.field, `${f.size} bytes`, f.contentType, f.url].join("\t") : `${f.field}\t(none)`))
            .join("\n"),
    );
    return 0;
  }
  if (verb === "get") {
    const bytes = Buffer.from(await (await send(fileRoute(field!))).arrayBuffer());
    if (typeof flags.out === "string") {
      writeFileSync(flags.out, bytes);
      print(
        { field, size: bytes.byteLength, out: flags.out },
        () => `${field}: ${bytes.byteLength} bytes to ${flags.out}`,
      );
    } else process.stdout.write(bytes);
    return 0;
  }
  const body = readFileSync(file!);
  const type =
    typeof flags.type === "string" ? flags.type : (TYPES[extname(file!).toLowerCase()] ?? "application/octet-stream");
  const updated = (await (
    await send(fileRoute(field!), { method: "PUT", headers: { "content-type": type }, body })
  ).json()) as Record<string, unknown>;
  const stored = updated[field!];
  print(stored, () =>
    isFile(stored)
      ? `${field}: ${stored.size} bytes, ${stored.contentType}, sha256 ${stored.sha256}`
      : `${field}: stored`,
  );
  return 0;
}
