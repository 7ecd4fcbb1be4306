#!/usr/bin/env node
import { ActionFilesError } from "./actions.ts";
import { ApiError, Client } from "./client.ts";
import { runCommand, UsageError } from "./commands.ts";

const HELP = `aidevos — plan, build, test and deploy apps with AIDevOS

usage: aidevos <command> [args] [--url URL] [--token TOKEN] [--json]

  submit [request…] [--spec FILE [--actions DIR]] [--app NAME] [--replay FIXTURE] [--allow-breaking] [--no-wait]
                         start a run and follow it stage by stage; prints the app URL.
                         --actions fills each action's code from DIR/<action name>.js
  runs [--limit N]       recent runs
  watch <run id>         follow a run until it ends
  logs <run id>          every event of a run
  apps                   deployed apps
  rollback <app> [--version N]
  errors <app>           error groups seen in production
  schedules run <app> <schedule> [--key KEY]
                         run a schedule now in every partition that holds data (or one key)
  users list <app> [--key KEY] [--limit N] [--cursor C]
                         an app's end users (v3 accounts; --key for a perKey app's tenant), never hashes
  users create <app> <email> [--key KEY] [--fields JSON]
                         a user as signup makes one (also when signup is closed); password read from stdin
  users delete <app> <id> [--key KEY]
                         a user, their sessions and the records they own
  files list <app> <plural> <id> [--key KEY] [--app-key KEY]
                         a record's file fields (v3): size, type and download path of each
  files get <app> <plural> <id> <field> [--out FILE]
                         a file's bytes, to FILE or stdout
  files put <app> <plural> <id> <field> <file> [--type TYPE]
                         upload a file (type from --type or the file's extension); --app-key
                         (or $AIDEVOS_APP_KEY) for an access: "key" app, never the API token
  feedback <app> <message…> [--no-wait]
  secrets set <app> <NAME>   set a secret; the value is read from stdin (never an argument)
  secrets unset|list <app> [NAME]
  keys create <app>      a new app key for an access: "key" app, printed this once
  keys list <app>        key ids and dates;  keys revoke <app> <id>
  openapi <app> [--key KEY]
                         the live version's OpenAPI 3.1 document (its docs: URL/apps/<app>/docs).
                         A run whose spec breaks the live contract fails with breaking_change
                         unless submitted with --allow-breaking

URL defaults to $AIDEVOS_URL or http://127.0.0.1:8787; TOKEN to $AIDEVOS_API_TOKEN.
Exit codes: 0 done, 1 the run failed, 2 bad usage or an API error.`;

function parse(argv: string[]) {
  const args: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) args.push(a);
    else if (["json", "no-wait", "help", "allow-breaking"].includes(a.slice(2))) flags[a.slice(2)] = true;
    else flags[a.slice(2)] = argv[++i] ?? "";
  }
  return { args, flags };
}

const { args, flags } = parse(process.argv.slice(2));
if (flags.help || args.length === 0) {
  console.log(HELP);
  process.exit(args.length === 0 && !flags.help ? 2 : 0);
}
const client = new Client(
  String(flags.url ?? process.env.AIDEVOS_URL ?? "http://127.0.0.1:8787"),
  typeof flags.token === "string" ? flags.token : process.env.AIDEVOS_API_TOKEN,
);
try {
  process.exitCode = await runCommand(client, args, flags, { json: flags.json === true, print: (t) => console.log(t) });
} catch (err) {
  if (err instanceof UsageError) console.error(`usage: aidevos ${err.message}\n\n${HELP}`);
  else if (err instanceof ActionFilesError) console.error(`error: ${err.message}`);
  else if (err instanceof ApiError) console.error(`error (${err.status} ${err.code}): ${err.message}`);
  else console.error(`error: ${(err as Error).message}`);
  process.exitCode = 2;
}
