import { code, type SeedPattern } from "./pattern";

const flags: SeedPattern = {
  title: "Feature flags",
  summary:
    "Feature flags (toggles) with an on/off switch and a percentage rollout; a check says whether a flag is on for a user.",
  keywords: [
    "beta",
    "percent",
    "canary",
    "enable",
    "disable",
    "feature",
    "features",
    "flags",
    "flag",
    "toggle",
    "toggles",
    "rollout",
    "switch",
    "experiment",
    "percentage",
    "users",
  ],
  request: "Feature flags with a percentage rollout that my app checks per user",
  needs: [],
  spec: {
    name: "flags",
    description: "Feature flags with percentage rollout",
    entities: [
      {
        name: "flag",
        plural: "flags",
        fields: {
          key: { type: "string", required: true, pattern: "^[a-z][a-z0-9-]{1,40}$" },
          enabled: { type: "boolean", default: false },
          rollout: { type: "integer", min: 0, max: 100, default: 100 },
        },
        unique: ["key"],
      },
    ],
    actions: [
      {
        name: "check",
        method: "GET",
        path: "/check/:key",
        description:
          "Whether the flag is on for ?user=: enabled, and the user's stable bucket (SHA-256) is under the rollout",
        code: code(`
const user = ctx.query.get("user") ?? "";
const { items } = await ctx.entities.flags.list({ where: { key: ctx.params.key }, limit: 1 });
const flag = items[0];
if (!flag || !flag.enabled) return { key: ctx.params.key, enabled: false };
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(flag.key + ":" + user)));
const bucket = (digest[0] * 256 + digest[1]) % 100;
return { key: flag.key, enabled: bucket < flag.rollout };`),
        examples: [
          { path: "/check/new-ui?user=ann", status: 200, json: { key: "new-ui", enabled: true } },
          { method: "PATCH", path: "/flags/{{flag}}", body: { rollout: 0 }, status: 200 },
          { path: "/check/new-ui?user=ann", status: 200, json: { enabled: false } },
          { path: "/check/unknown?user=ann", status: 200, json: { enabled: false } },
        ],
      },
    ],
    examples: [
      {
        method: "POST",
        path: "/flags",
        body: { key: "new-ui", enabled: true },
        status: 201,
        json: { rollout: 100 },
        save: { flag: "id" },
      },
      { method: "POST", path: "/flags", body: { key: "new-ui" }, status: 409 },
      { method: "POST", path: "/flags", body: { key: "x", rollout: 101 }, status: 400 },
    ],
  },
};
export default flags;
