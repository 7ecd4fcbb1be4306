import { AidevosError, type AppSpec } from "@aidevos/core";

/**
 * Review of what a new version of an existing app changes about its security (issue 27, attack 6).
 * A feedback or fix run writes the spec and code from a request (and a model), so a change that
 * widens what the app can reach or reveal is a finding the run must not deploy by itself: a new
 * `outbound` origin, a changed `access`, an action that starts reading secrets (which a response
 * could carry), or an action that starts calling out while it reads records. `options.allowWidening`
 * deploys it anyway, and the run's events say so.
 */
export function wideningOf(live: AppSpec, next: AppSpec): string[] {
  const found: string[] = [];
  const before = new Set(live.outbound ?? []);
  const added = (next.outbound ?? []).filter((o) => !before.has(o));
  if (added.length) found.push(`outbound widened: ${added.join(", ")} added`);
  const access = (s: AppSpec) => s.access ?? "public";
  if (access(live) !== access(next)) found.push(`access changed from ${access(live)} to ${access(next)}`);
  const liveCode = new Map((live.actions ?? []).map((a) => [a.name, a.code ?? ""]));
  for (const action of next.actions ?? []) {
    const code = action.code ?? "";
    const old = liveCode.get(action.name) ?? "";
    // Loose on purpose (destructuring, aliases): a false finding costs an option, a missed one a leak.
    if (/\bsecrets\b/.test(code) && !/\bsecrets\b/.test(old))
      found.push(`action ${action.name} now reads secrets, which its response could carry`);
    if (/\bfetch\b/.test(code) && /\bentities\b/.test(code) && !/\bfetch\b/.test(old))
      found.push(`action ${action.name} now calls out with ctx.fetch while it reads records`);
  }
  return found;
}

/** A new version widens what the app can reach or reveal, and the run did not set options.allowWidening. */
export class WideningChangeError extends AidevosError {
  constructor(findings: string[]) {
    super(
      "widening_change",
      `the new version widens the app's security, so nothing was deployed (set options.allowWidening to deploy anyway): ${findings.join("; ")}`.slice(
        0,
        2000,
      ),
      422,
    );
  }
}
