import { code, type SeedPattern } from "./pattern";

const shortener: SeedPattern = {
  title: "URL shortener",
  summary: "A URL shortener: short links (slugs) that redirect to long URLs and count their clicks, with click stats.",
  keywords: [
    "bitly",
    "tinyurl",
    "code",
    "codes",
    "opened",
    "long",
    "url",
    "urls",
    "shortener",
    "shorten",
    "short",
    "links",
    "link",
    "slug",
    "redirect",
    "clicks",
    "click",
    "counts",
    "count",
  ],
  request: "A URL shortener that counts clicks",
  needs: [],
  spec: {
    name: "shortener",
    description: "Short links that redirect and count clicks",
    entities: [
      {
        name: "link",
        plural: "links",
        fields: {
          slug: { type: "string", required: true, pattern: "^[a-z0-9-]{3,32}$" },
          url: { type: "string", required: true, maxLength: 2000, pattern: "^https?://[^ ]+$" },
          clicks: { type: "integer", min: 0, default: 0 },
        },
        unique: ["slug"],
        operations: ["get", "list", "delete"],
      },
    ],
    actions: [
      {
        name: "shorten",
        method: "POST",
        path: "/shorten",
        description: "Creates a short link from { slug, url }",
        code: code(`
const { slug, url } = (await ctx.body()) ?? {};
return ctx.json(await ctx.entities.links.create({ slug, url }), 201);`),
        examples: [
          {
            method: "POST",
            path: "/shorten",
            body: { slug: "cfw", url: "https://workers.example/" },
            status: 201,
            json: { slug: "cfw", clicks: 0 },
            save: { link: "id" },
          },
          { method: "POST", path: "/shorten", body: { slug: "cfw", url: "https://other.example/" }, status: 409 },
          { method: "POST", path: "/shorten", body: { slug: "x", url: "not a url" }, status: 400 },
        ],
      },
      {
        name: "follow",
        method: "GET",
        path: "/s/:slug",
        description: "Redirects to the link's URL and counts the click",
        code: code(`
const { items } = await ctx.entities.links.list({ where: { slug: ctx.params.slug }, limit: 1 });
if (!items.length) ctx.error(404, "not_found", "no link " + ctx.params.slug);
await ctx.entities.links.increment(items[0].id, "clicks", 1);
return ctx.redirect(items[0].url, 302);`),
        examples: [
          { path: "/s/cfw", status: 302, header: { location: "https://workers.example/" } },
          { path: "/s/nope", status: 404, json: { error: { code: "not_found" } } },
        ],
      },
      {
        name: "stats",
        method: "GET",
        path: "/s/:slug/stats",
        description: "How often the link was followed",
        code: code(`
const { items } = await ctx.entities.links.list({ where: { slug: ctx.params.slug }, limit: 1 });
if (!items.length) ctx.error(404, "not_found", "no link " + ctx.params.slug);
return { slug: items[0].slug, url: items[0].url, clicks: items[0].clicks };`),
        examples: [{ path: "/s/cfw/stats", status: 200, json: { slug: "cfw", clicks: 1 } }],
      },
    ],
  },
};
export default shortener;
