import { code, type SeedPattern } from "./pattern";

const webhook: SeedPattern = {
  title: "Signed webhook receiver",
  summary:
    "A webhook receiver that verifies an HMAC-SHA256 signature with a secret before storing each delivery (event and payload).",
  keywords: [
    "stripe",
    "github",
    "verify",
    "authentic",
    "notifications",
    "payload",
    "webhook",
    "webhooks",
    "signed",
    "signature",
    "hmac",
    "receiver",
    "receive",
    "events",
    "deliveries",
    "callback",
    "secret",
  ],
  request: "A webhook receiver that checks the HMAC signature and stores the events",
  needs: ["secrets"],
  spec: {
    name: "webhooks",
    description: "Signed webhook deliveries",
    secrets: ["WEBHOOK_SECRET"],
    entities: [
      {
        name: "delivery",
        plural: "deliveries",
        fields: {
          event: { type: "string", required: true, maxLength: 100 },
          payload: { type: "string", maxLength: 10000, default: "" },
        },
        operations: ["get", "list"],
      },
    ],
    actions: [
      {
        name: "receive",
        method: "POST",
        path: "/webhook",
        description:
          "Stores a delivery whose x-signature header is the hex HMAC-SHA256 of the raw body under WEBHOOK_SECRET",
        code: code(`
const secret = ctx.secrets.WEBHOOK_SECRET;
if (!secret) ctx.error(503, "not_configured", "set the WEBHOOK_SECRET secret first");
const raw = await req.text();
const hex = req.headers.get("x-signature") ?? "";
if (!/^[0-9a-f]{64}$/.test(hex)) ctx.error(401, "bad_signature", "x-signature must be a hex HMAC-SHA256");
const signature = new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));
const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
if (!(await crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode(raw)))) ctx.error(401, "bad_signature", "signature does not match");
let event = "unknown";
try { event = String(JSON.parse(raw).event ?? "unknown").slice(0, 100); } catch { ctx.error(400, "invalid_json", "body is not JSON"); }
return ctx.json(await ctx.entities.deliveries.create({ event, payload: raw.slice(0, 10000) }), 201);`),
        examples: [
          { method: "POST", path: "/webhook", body: { event: "ping" }, statusIn: [401, 503] },
          {
            method: "POST",
            path: "/webhook",
            headers: { "x-signature": "00" },
            body: { event: "ping" },
            statusIn: [401, 503],
          },
        ],
      },
    ],
    examples: [{ path: "/deliveries", status: 200, json: { items: [] } }],
  },
};
export default webhook;
