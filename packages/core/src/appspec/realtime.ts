import { z } from "zod";
import { isObjectName, OBJECT_NAME_MESSAGE } from "./names";

/**
 * Schedules and channels of an AppSpec (docs/appspec.md): an action run every `everySeconds` in
 * every partition that holds data, and WebSocket rooms per partition held by the app's host.
 */
const Name = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_-]{0,39}$/, "must match ^[a-z][A-Za-z0-9_-]{0,39}$")
  .refine((name) => !isObjectName(name), OBJECT_NAME_MESSAGE);

/** The shortest period: a schedule is housekeeping, not a busy loop. */
const MIN_SCHEDULE_SECONDS = 60;

export const Schedule = z.strictObject({
  name: Name,
  everySeconds: z.int().min(MIN_SCHEDULE_SECONDS, "must be at least 60").max(31_536_000),
  action: z.string().min(1).max(40),
});
export type Schedule = z.infer<typeof Schedule>;

export const Channel = z.strictObject({
  name: Name,
  onMessage: z.string().min(1).max(40).optional(),
});
export type Channel = z.infer<typeof Channel>;

/** The largest text frame a channel member may send; a larger one closes it with 1009. */
export const MAX_CHANNEL_MESSAGE_BYTES = 64 * 1024;

interface IssueSink {
  addIssue(issue: { code: "custom"; path: (string | number)[]; message: string }): void;
}

/** Names do not repeat and every action a schedule or channel names exists. */
export function checkRealtime(
  spec: { actions?: readonly { name: string }[]; schedules?: readonly Schedule[]; channels?: readonly Channel[] },
  ctx: IssueSink,
): void {
  const actions = new Set((spec.actions ?? []).map((a) => a.name));
  const missing = (name: string) => `names no action of this spec ("${name.slice(0, 40)}")`;
  const seen = (list: readonly { name: string }[], kind: "schedules" | "channels") => {
    const names = new Set<string>();
    list.forEach((item, i) => {
      if (names.has(item.name)) ctx.addIssue({ code: "custom", path: [kind, i, "name"], message: "repeats" });
      names.add(item.name);
    });
  };
  seen(spec.schedules ?? [], "schedules");
  seen(spec.channels ?? [], "channels");
  spec.schedules?.forEach((s, i) => {
    if (!actions.has(s.action))
      ctx.addIssue({ code: "custom", path: ["schedules", i, "action"], message: missing(s.action) });
  });
  spec.channels?.forEach((c, i) => {
    if (c.onMessage !== undefined && !actions.has(c.onMessage))
      ctx.addIssue({ code: "custom", path: ["channels", i, "onMessage"], message: missing(c.onMessage) });
  });
}
