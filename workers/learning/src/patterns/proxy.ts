import { code, type SeedPattern } from "./pattern";

const proxy: SeedPattern = {
  title: "Cached upstream proxy",
  summary:
    "A caching proxy in front of an upstream API: answers from a cache with a time to live, fetches the upstream on a miss.",
  keywords: [
    "remember",
    "slow",
    "layer",
    "memoize",
    "cache",
    "cached",
    "caching",
    "proxy",
    "upstream",
    "api",
    "fetch",
    "ttl",
    "quotes",
    "external",
    "gateway",
  ],
  request: "A cached proxy for an upstream quotes API so we call it at most once a minute per symbol",
  needs: ["outbound"],
  spec: {
    name: "quotes",
    description: "Upstream quotes, cached for 60 seconds",
    outbound: ["https://api.example.com"],
    actions: [
      {
        name: "quote",
        method: "GET",
        path: "/quotes/:symbol",
        description: "The upstream's quote for the symbol, from the cache when it is under 60 s old",
        code: code(`
const symbol = ctx.params.symbol;
if (!/^[A-Z]{1,5}$/.test(symbol)) ctx.error(400, "invalid_symbol", "a symbol is 1 to 5 capital letters");
const cached = await ctx.kv.get("quote:" + symbol);
if (cached !== undefined) return { ...cached, cached: true };
const res = await ctx.fetch("https://api.example.com/quotes/" + symbol);
if (!res.ok) ctx.error(502, "upstream_failed", "the upstream answered " + res.status);
const quote = await res.json();
await ctx.kv.put("quote:" + symbol, quote, { ttlSeconds: 60 });
return { ...quote, cached: false };`),
        // Only the error path: a seeded pattern's examples pass offline in any installation, and
        // api.example.com is a placeholder for the upstream an installation names.
        examples: [{ path: "/quotes/not-a-symbol", status: 400, json: { error: { code: "invalid_symbol" } } }],
      },
      {
        name: "forget",
        method: "DELETE",
        path: "/quotes/:symbol",
        description: "Drops the symbol's cached quote, so the next quote comes from the upstream",
        code: code(`
const symbol = ctx.params.symbol;
if (!/^[A-Z]{1,5}$/.test(symbol)) ctx.error(400, "invalid_symbol", "a symbol is 1 to 5 capital letters");
await ctx.kv.delete("quote:" + symbol);
return { symbol, cached: false };`),
        examples: [
          { method: "DELETE", path: "/quotes/ACME", status: 200, json: { symbol: "ACME", cached: false } },
          { method: "DELETE", path: "/quotes/acme", status: 400, json: { error: { code: "invalid_symbol" } } },
        ],
      },
    ],
  },
};
export default proxy;
