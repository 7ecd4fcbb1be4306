import { code, type SeedPattern } from "./pattern";

const chat: SeedPattern = {
  title: "Chat room",
  summary: "A realtime chat room over WebSockets per room key: messages are stored and broadcast to every member.",
  keywords: [
    "conversation",
    "messaging",
    "instant",
    "instantly",
    "talk",
    "group",
    "chat",
    "room",
    "rooms",
    "realtime",
    "websocket",
    "websockets",
    "messages",
    "message",
    "broadcast",
    "members",
    "live",
  ],
  request: "A chat room where people in the same room see each other's messages live",
  needs: ["channels"],
  spec: {
    name: "chat",
    description: "Chat rooms per key over WebSockets",
    partition: "perKey",
    channels: [{ name: "room", onMessage: "say" }],
    entities: [
      {
        name: "message",
        plural: "messages",
        fields: {
          author: { type: "string", required: true, minLength: 1, maxLength: 40 },
          text: { type: "string", required: true, minLength: 1, maxLength: 1000 },
        },
        operations: ["get", "list"],
      },
    ],
    actions: [
      {
        name: "say",
        method: "POST",
        path: "/say",
        description: "Stores { author, text } and broadcasts it to the room (a channel frame or an HTTP POST)",
        code: code(`
let input;
try { input = typeof ctx.message === "string" ? JSON.parse(ctx.message) : await ctx.body(); } catch { ctx.error(400, "invalid_json", "a message is JSON { author, text }"); }
const saved = await ctx.entities.messages.create({ author: input?.author, text: input?.text });
ctx.broadcast("room", saved);
return saved;`),
        examples: [
          {
            method: "POST",
            path: "/say",
            body: { author: "ann", text: "hi" },
            status: 200,
            json: { author: "ann", text: "hi" },
          },
          { method: "POST", path: "/say", body: { author: "ann" }, status: 400 },
          { path: "/messages", status: 200, count: { items: 1 } },
        ],
      },
    ],
  },
};
export default chat;
