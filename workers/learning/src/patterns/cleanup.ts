import { code, type SeedPattern } from "./pattern";

const cleanup: SeedPattern = {
  title: "Scheduled cleanup",
  summary:
    "Records that expire at a time (sessions, tokens, reservations) and an hourly scheduled sweep that deletes the expired ones.",
  keywords: [
    "stale",
    "nightly",
    "timer",
    "retention",
    "prune",
    "delete",
    "old",
    "scheduled",
    "schedule",
    "cleanup",
    "clean",
    "sweep",
    "expire",
    "expired",
    "expiry",
    "sessions",
    "cron",
    "hourly",
    "purge",
  ],
  request: "Sessions that expire, with an hourly job that deletes the expired ones",
  needs: ["schedules"],
  spec: {
    name: "sessions",
    description: "Expiring sessions swept every hour",
    schedules: [{ name: "sweep", everySeconds: 3600, action: "sweepExpired" }],
    entities: [
      {
        name: "session",
        plural: "sessions",
        fields: {
          token: { type: "string", required: true, minLength: 8, maxLength: 100 },
          expiresAt: { type: "datetime", required: true },
        },
        unique: ["token"],
        sortable: ["expiresAt"],
      },
    ],
    actions: [
      {
        name: "sweepExpired",
        method: "POST",
        path: "/sweep",
        description: "Deletes up to 100 sessions whose expiresAt has passed",
        code: code(`
const { items } = await ctx.entities.sessions.list({ where: { expiresAt: { lt: new Date().toISOString() } }, limit: 100 });
for (const s of items) await ctx.entities.sessions.delete(s.id);
return { removed: items.length };`),
        examples: [
          { method: "POST", path: "/sweep", status: 200, json: { removed: 1 } },
          { path: "/sessions", status: 200, json: { items: [{ token: "fresh-token" }] } },
        ],
      },
    ],
    examples: [
      {
        method: "POST",
        path: "/sessions",
        body: { token: "stale-token", expiresAt: "2020-01-01T00:00:00.000Z" },
        status: 201,
      },
      {
        method: "POST",
        path: "/sessions",
        body: { token: "fresh-token", expiresAt: "2999-01-01T00:00:00.000Z" },
        status: 201,
      },
    ],
  },
};
export default cleanup;
