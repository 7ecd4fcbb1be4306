import { readFileSync } from "node:fs";
import type { Client } from "./client.ts";

/** How a command prints: JSON with --json, else the text. */
type Print = (value: unknown, text: () => string) => void;

export class AccessUsageError extends Error {}

/**
 * The value of `secrets set`, from stdin (never an argument: arguments land in shell history and
 * process lists). One trailing newline, as `echo` or a heredoc adds, is not part of it.
 */
function readSecretValue(): string {
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}

/** `aidevos secrets set|unset|list APP [NAME]`: values go in, only names and dates come out. */
export async function secretsCommand(client: Client, rest: string[], print: Print): Promise<number> {
  const [verb, app, name] = rest;
  if (!app || (verb !== "list" && !name) || !["set", "unset", "list"].includes(verb ?? ""))
    throw new AccessUsageError("secrets set <app> <NAME> (value on stdin) | unset <app> <NAME> | list <app>");
  const path = `/v1/apps/${app}/secrets`;
  if (verb === "set") {
    await client.call("PUT", `${path}/${name}`, { value: readSecretValue() });
    print({ name, set: true }, () => `${app}: ${name} set`);
  } else if (verb === "unset") {
    await client.call("DELETE", `${path}/${name}`);
    print({ name, set: false }, () => `${app}: ${name} unset`);
  } else {
    const list = await client.call("GET", path);
    print(list, () =>
      list.items.length
        ? list.items.map((s: any) => `${s.name}\t${s.set ? `set ${s.updatedAt}` : "unset"}`).join("\n")
        : "no secrets",
    );
  }
  return 0;
}

/** `aidevos keys create|list|revoke APP [ID]`: a new key is printed this once. */
export async function keysCommand(client: Client, rest: string[], print: Print): Promise<number> {
  const [verb, app, id] = rest;
  if (!app || !["create", "list", "revoke"].includes(verb ?? "") || (verb === "revoke" && !id))
    throw new AccessUsageError("keys create <app> | list <app> | revoke <app> <id>");
  const path = `/v1/apps/${app}/keys`;
  if (verb === "create") {
    const made = await client.call("POST", path);
    print(made, () => `key ${made.id} (shown once; send it as Authorization: Bearer <key>):\n${made.key}`);
  } else if (verb === "revoke") {
    await client.call("DELETE", `${path}/${id}`);
    print({ id, revoked: true }, () => `${app}: key ${id} revoked`);
  } else {
    const list = await client.call("GET", path);
    print(list, () =>
      list.items.length ? list.items.map((k: any) => `${k.id}\t${k.createdAt}`).join("\n") : "no keys",
    );
  }
  return 0;
}
