import { code, type SeedPattern } from "./pattern";

const notes: SeedPattern = {
  title: "Notes per user",
  summary: "Private notes per user key with titles and text, pinned notes, and search over title and text.",
  keywords: [
    "jot",
    "thoughts",
    "diary",
    "entries",
    "personal",
    "notes",
    "note",
    "notebook",
    "journal",
    "memo",
    "memos",
    "search",
    "private",
    "pinned",
    "text",
    "writing",
  ],
  request: "A notes app where each user keeps private notes and can search them",
  needs: [],
  spec: {
    name: "notes",
    description: "Private notes per key, searchable",
    partition: "perKey",
    entities: [
      {
        name: "note",
        plural: "notes",
        fields: {
          title: { type: "string", required: true, minLength: 1, maxLength: 200 },
          body: { type: "string", maxLength: 10000, default: "" },
          pinned: { type: "boolean", default: false },
        },
      },
    ],
    actions: [
      {
        name: "search",
        method: "GET",
        path: "/search",
        description: "Notes whose title or text contains ?q= (case-insensitive), among the latest 100",
        code: code(`
const q = (ctx.query.get("q") ?? "").trim().toLowerCase();
if (!q) ctx.error(400, "missing_query", "give ?q= to search");
const { items } = await ctx.entities.notes.list({ limit: 100 });
return { items: items.filter((n) => n.title.toLowerCase().includes(q) || n.body.toLowerCase().includes(q)) };`),
        examples: [
          { path: "/search?q=MILK", status: 200, json: { items: [{ title: "Groceries" }] } },
          { path: "/search", status: 400, json: { error: { code: "missing_query" } } },
        ],
      },
    ],
    examples: [
      {
        method: "POST",
        path: "/notes",
        body: { title: "Groceries", body: "milk and eggs" },
        status: 201,
        save: { note: "id" },
      },
      { method: "POST", path: "/notes", body: { title: "Ideas" }, status: 201, json: { body: "", pinned: false } },
      { path: "/notes/{{note}}", status: 200, json: { title: "Groceries" } },
    ],
  },
};
export default notes;
