import { readFileSync } from "node:fs";
import { AccessUsageError, keysCommand, secretsCommand } from "./access.ts";
import { fillActionCode } from "./actions.ts";
import type { Client } from "./client.ts";
import { FilesUsageError, filesCommand } from "./files.ts";
import { UsersUsageError, usersCommand } from "./users.ts";

export interface Output {
  json: boolean;
  print(text: string): void;
}

const ICON: Record<string, string> = { pending: "·", running: "▶", succeeded: "✓", failed: "✗", cancelled: "⊘" };

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * Where a deployed app answers, for a person: absolute against the gateway, and for a perKey app
 * with `<key>` where the key goes. The API's `/k/{key}/` template would come out of URL as
 * `/k/%7Bkey%7D/`, which nobody reads as "put your key here".
 */
function appAddress(url: string, base: string): string {
  const KEY = "{key}";
  const at = url.indexOf(KEY);
  if (at < 0) return new URL(url, base).href;
  const [before, after] = [url.slice(0, at), url.slice(at + KEY.length)];
  return `${new URL(before, base).href}<key>${after} (each key keeps its own data: put one in place of <key>)`;
}

function stageLine(run: any): string {
  return run.stages
    .map((s: any) => `${ICON[s.status] ?? "?"} ${s.name}${s.rounds > 1 ? `×${s.rounds}` : ""}`)
    .join("  ");
}

/** Follows a run to its end, printing each stage transition; resolves to the finished run. */
async function watch(client: Client, runId: string, out: Output): Promise<any> {
  for await (const event of client.events(runId)) {
    if (!out.json && event.type !== "log") out.print(`${event.stage ? `[${event.stage}] ` : ""}${event.message}`);
  }
  const run = await client.call("GET", `/v1/runs/${runId}`);
  if (out.json) out.print(JSON.stringify(run, null, 2));
  else {
    out.print(stageLine(run));
    if (run.app) out.print(`app: ${appAddress(run.app.url, client.baseUrl)}`);
    if (run.error) out.print(`error: ${run.error.code}: ${run.error.message}`);
    // Findings are warnings, apart from failures: what the checks of action code saw, with the request.
    const tests = await client.call("GET", `/v1/runs/${runId}/tests`);
    for (const report of tests.reports ?? []) {
      for (const f of report.findings ?? []) {
        const x = f.exchange;
        const sent = x ? ` (${x.method} ${x.path}${x.status !== undefined ? ` → ${x.status}` : ""})` : "";
        out.print(`warning: ${report.kind} finding: ${f.name}: ${f.message}${sent}`);
      }
    }
  }
  return run;
}

/** Exit codes: 0 done, 1 the run failed or was cancelled, 2 bad usage or an API error. */
export async function runCommand(
  client: Client,
  args: string[],
  flags: Record<string, string | true>,
  out: Output,
): Promise<number> {
  const [command, ...rest] = args;
  const print = (value: unknown, text: () => string) => out.print(out.json ? JSON.stringify(value, null, 2) : text());
  switch (command) {
    case "submit": {
      const body: Record<string, unknown> = { request: rest.join(" ") || String(flags.request ?? "") };
      if (typeof flags.spec === "string") {
        body.spec = JSON.parse(readFileSync(flags.spec, "utf8"));
        if (!body.request) body.request = (body.spec as { description?: string }).description ?? "build this spec";
      }
      if (typeof flags.actions === "string") {
        if (!body.spec) throw new UsageError("submit --actions DIR needs --spec FILE");
        body.spec = fillActionCode(body.spec as object, flags.actions);
      }
      if (typeof flags.app === "string") body.app = flags.app;
      const options: Record<string, unknown> = {};
      if (typeof flags.replay === "string") options.replay = flags.replay;
      if (flags["allow-breaking"]) options.allowBreaking = true;
      if (Object.keys(options).length) body.options = options;
      const run = await client.call("POST", "/v1/runs", body);
      if (flags["no-wait"]) {
        print(run, () => run.id);
        return 0;
      }
      if (!out.json) out.print(`run ${run.id}`);
      const done = await watch(client, run.id, out);
      return done.status === "succeeded" ? 0 : 1;
    }
    case "watch": {
      if (!rest[0]) throw new UsageError("watch <run id>");
      const done = await watch(client, rest[0], out);
      return done.status === "succeeded" ? 0 : 1;
    }
    case "runs": {
      const page = await client.call("GET", `/v1/runs?limit=${flags.limit ?? 20}`);
      print(page, () =>
        table([
          ["ID", "STATUS", "STAGE", "APP", "REQUEST"],
          ...page.items.map((r: any) => [
            r.id.slice(0, 12),
            r.status,
            r.stage ?? "",
            r.app ?? "",
            r.request.slice(0, 50),
          ]),
        ]),
      );
      return 0;
    }
    case "apps": {
      const page = await client.call("GET", "/v1/apps?limit=100");
      print(page, () =>
        table([
          ["APP", "STATUS", "VERSION", "URL"],
          ...page.items.map((a: any) => [a.name, a.status, `v${a.liveVersion}`, a.url]),
        ]),
      );
      return 0;
    }
    case "rollback": {
      if (!rest[0]) throw new UsageError("rollback <app> [--version N]");
      const change = await client.call(
        "POST",
        `/v1/apps/${rest[0]}/rollback`,
        flags.version ? { version: Number(flags.version) } : {},
      );
      print(change, () => `${rest[0]}: v${change.fromVersion} → v${change.version}`);
      return 0;
    }
    case "logs": {
      if (!rest[0]) throw new UsageError("logs <run id>");
      const lines: unknown[] = [];
      for await (const e of client.events(rest[0])) {
        lines.push(e);
        if (!out.json) out.print(`${e.seq}\t${e.level}\t${e.stage ?? "-"}\t${e.message}`);
      }
      if (out.json) out.print(JSON.stringify(lines, null, 2));
      return 0;
    }
    case "errors": {
      if (!rest[0]) throw new UsageError("errors <app>");
      const groups = await client.call("GET", `/v1/apps/${rest[0]}/errors`);
      print(groups, () =>
        groups.items.length
          ? table([
              ["COUNT", "VERSION", "WHERE", "ERROR"],
              ...groups.items.map((g: any) => [String(g.count), `v${g.version}`, g.frame, g.message]),
            ])
          : "no errors",
      );
      return 0;
    }
    case "openapi": {
      // The live version's contract, as the gateway generates it from the spec (always JSON).
      if (!rest[0]) throw new UsageError("openapi <app> [--key KEY]");
      const key = typeof flags.key === "string" ? `/k/${encodeURIComponent(flags.key)}` : "";
      const doc = await client.call("GET", `/apps/${encodeURIComponent(rest[0])}${key}/openapi.json`);
      out.print(JSON.stringify(doc, null, 2));
      return 0;
    }
    case "feedback": {
      const [app, ...words] = rest;
      if (!app || words.length === 0) throw new UsageError("feedback <app> <message>");
      const run = await client.call("POST", "/v1/feedback", { app, message: words.join(" ") });
      if (flags["no-wait"]) {
        print(run, () => run.id);
        return 0;
      }
      return (await watch(client, run.id, out)).status === "succeeded" ? 0 : 1;
    }
    case "secrets":
    case "keys":
      try {
        return await (command === "secrets" ? secretsCommand : keysCommand)(client, rest, print);
      } catch (err) {
        if (err instanceof AccessUsageError) throw new UsageError(err.message);
        throw err;
      }
    case "users":
      try {
        return await usersCommand(client, rest, flags, print);
      } catch (err) {
        if (err instanceof UsersUsageError) throw new UsageError(err.message);
        throw err;
      }
    case "files":
      try {
        return await filesCommand(client, rest, flags, print);
      } catch (err) {
        if (err instanceof FilesUsageError) throw new UsageError(err.message);
        throw err;
      }
    case "schedules": {
      const [verb, app, schedule] = rest;
      if (verb !== "run" || !app || !schedule) throw new UsageError("schedules run <app> <schedule> [--key KEY]");
      const query = typeof flags.key === "string" ? `?key=${encodeURIComponent(flags.key)}` : "";
      const ran = await client.call(
        "POST",
        `/v1/apps/${encodeURIComponent(app)}/schedules/${encodeURIComponent(schedule)}/run${query}`,
      );
      print(ran, () => `${app}: ${schedule} ran in ${ran.partitions} partition${ran.partitions === 1 ? "" : "s"}`);
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "a command");
  }
}

export class UsageError extends Error {}
