import { code, type SeedPattern } from "./pattern";

const guestbook: SeedPattern = {
  title: "Guestbook page",
  summary:
    "A guestbook web page: visitors sign with a name and a message, and the page shows the latest entries as HTML.",
  keywords: [
    "homepage",
    "guests",
    "wishes",
    "visitor",
    "guestbook",
    "guest",
    "book",
    "page",
    "html",
    "website",
    "visitors",
    "sign",
    "messages",
    "comments",
    "wall",
  ],
  request: "A guestbook web page where visitors leave their name and a message",
  needs: [],
  spec: {
    name: "guestbook",
    description: "An HTML guestbook",
    entities: [
      {
        name: "entry",
        plural: "entries",
        fields: {
          name: { type: "string", required: true, minLength: 1, maxLength: 60 },
          message: { type: "string", required: true, minLength: 1, maxLength: 500 },
        },
        operations: ["create", "list"],
      },
    ],
    actions: [
      {
        name: "page",
        method: "GET",
        path: "/",
        description: "The guestbook as an HTML page, newest first (of the first 100), every value escaped",
        code: code(`
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const { items } = await ctx.entities.entries.list({ limit: 100 });
const rows = items.reverse().map((e) => "<li><b>" + escape(e.name) + "</b>: " + escape(e.message) + "</li>").join("");
return ctx.html("<!doctype html><title>Guestbook</title><h1>Guestbook</h1><ul>" + rows + "</ul>");`),
        examples: [{ path: "/", status: 200, text: ["<h1>Guestbook</h1>", "&lt;b&gt;hi&lt;/b&gt;"] }],
      },
      {
        name: "sign",
        method: "POST",
        path: "/sign",
        description: "Signs the guestbook with { name, message }",
        code: code(`
const { name, message } = (await ctx.body()) ?? {};
return ctx.json(await ctx.entities.entries.create({ name, message }), 201);`),
        examples: [
          { method: "POST", path: "/sign", body: { name: "Bo", message: "second" }, status: 201 },
          { method: "POST", path: "/sign", body: { name: "" }, status: 400 },
        ],
      },
    ],
    examples: [
      { method: "POST", path: "/entries", body: { name: "Ann", message: "<b>hi</b>" }, status: 201 },
      { path: "/entries", status: 200, count: { items: 1 } },
    ],
  },
};
export default guestbook;
