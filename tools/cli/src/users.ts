import { readFileSync } from "node:fs";
import type { Client } from "./client.ts";

/** How a command prints: JSON with --json, else the text. */
type Print = (value: unknown, text: () => string) => void;

export class UsersUsageError extends Error {}

const USAGE =
  "users list <app> [--key KEY] [--limit N] [--cursor C] | create <app> <email> [--key KEY] [--fields JSON] (password on stdin) | delete <app> <id> [--key KEY]";

/**
 * The password of `users create`, from stdin (never an argument: arguments land in shell history
 * and process lists). One trailing newline, as `echo` or a heredoc adds, is not part of it.
 */
function readPassword(): string {
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}

/** The account fields of `--fields '{"handle":"ann"}'`: a JSON object, checked before anything is sent. */
function parseFields(raw: string | true | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let fields: unknown;
  try {
    fields = JSON.parse(String(raw));
  } catch {
    throw new UsersUsageError(`--fields must be a JSON object (${USAGE})`);
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields))
    throw new UsersUsageError(`--fields must be a JSON object (${USAGE})`);
  return fields as Record<string, unknown>;
}

/**
 * `aidevos users list|create|delete APP …`: an app's end users (v3 accounts) through the management
 * API. Every path segment is encoded; a perKey app's partition is `--key` (the API answers 400
 * without it). No answer holds a password or hash, and the password given is never printed.
 */
export async function usersCommand(
  client: Client,
  rest: string[],
  flags: Record<string, string | true>,
  print: Print,
): Promise<number> {
  const [verb, app, arg] = rest;
  if (!app || !["list", "create", "delete"].includes(verb ?? "") || (verb !== "list" && !arg))
    throw new UsersUsageError(USAGE);
  const base = `/v1/apps/${encodeURIComponent(app)}/users`;
  const query = new URLSearchParams();
  if (typeof flags.key === "string") query.set("key", flags.key);
  const withQuery = (path: string) => (query.size ? `${path}?${query}` : path);
  if (verb === "create") {
    const fields = parseFields(flags.fields);
    const user = await client.call("POST", withQuery(base), { ...fields, email: arg, password: readPassword() });
    print(user, () => `${app}: user ${user.id} (${user.email}) created`);
  } else if (verb === "delete") {
    await client.call("DELETE", withQuery(`${base}/${encodeURIComponent(arg!)}`));
    print({ id: arg, deleted: true }, () => `${app}: user ${arg} deleted (with their sessions and records)`);
  } else {
    if (typeof flags.limit === "string") query.set("limit", flags.limit);
    if (typeof flags.cursor === "string") query.set("cursor", flags.cursor);
    const page = await client.call("GET", withQuery(base));
    print(page, () => {
      if (page.items.length === 0) return "no users";
      const lines = page.items.map((u: { id: string; email: string; createdAt: string }) =>
        [u.id, u.email, u.createdAt].join("\t"),
      );
      if (typeof page.total === "number") lines.push(`${page.items.length} of ${page.total} users`);
      if (page.nextCursor) lines.push(`more: --cursor ${page.nextCursor}`);
      return lines.join("\n");
    });
  }
  return 0;
}
