/**
 * Everyday words that name the same thing in a request for an app: each line is one concept, as a
 * person would say it in several ways. Free-text matching (pattern-match.ts) reads a request's word
 * and a pattern's word as the same when they are on one line, so "basket" finds a pattern that says
 * "cart" and "scratchpad" one that says "notes". Written as general vocabulary of each kind of app,
 * not from any request; a word is on at most one line (a word with two meanings is on none), and a
 * line never joins things two patterns tell apart (a poll's answers and a proxy's answers stay words).
 */
const CONCEPTS: readonly string[] = [
  // Things to do.
  "task todo chore errand assignment homework checklist",
  "done finish finished complete completed tick",
  "due deadline",
  "remind reminder",
  // Writing things down.
  "note notes memo jot notepad scratchpad notebook journal diary idea thought",
  "pin pinned",
  // Games and competitions.
  "score scorer point highscore scoreboard leaderboard standings ranking rank",
  "player gamer contestant competitor",
  "game tournament league competition contest championship quiz",
  "win winner winning",
  // Polls.
  "poll vote voter voting ballot survey questionnaire referendum election",
  "option choice choose pick alternative",
  "question ask",
  "result tally outcome",
  // Shops.
  "cart basket trolley",
  "shop shopping webshop ecommerce storefront",
  "product item merchandise sku",
  "price cost pricing",
  "customer buyer",
  "checkout purchase buy",
  "quantity qty",
  // Guestbooks.
  "guest visitor",
  "comment greeting wish remark",
  "page webpage homepage website site",
  // Feature flags.
  "flag toggle switch killswitch",
  "feature functionality",
  "rollout roll release launch deploy redeploy",
  "percentage percent fraction",
  "experiment experimental beta canary",
  "enable disable",
  "setting config configuration",
  // Webhooks.
  "webhook hook callback",
  "signature hmac",
  "event delivery notification",
  "verify authentic authenticate validate",
  "payment stripe paypal",
  // Chat.
  "chat chatroom messaging messenger conversation talk discussion",
  "room channel lobby",
  "realtime live instant instantly websocket socket",
  // Scheduled cleanup.
  "cleanup clean purge prune sweep wipe tidy delete remove erase",
  "expire expired expiry expiration stale outdated obsolete",
  "schedule scheduled cron periodic periodically nightly hourly recurring interval timer",
  "session token reservation",
  // Caching proxies.
  "cache caching cached memoize",
  "upstream origin backend external thirdparty",
  "proxy gateway",
  "response reply",
  // Short links.
  "url link hyperlink",
  "short shorten shortener tiny bitly tinyurl",
  "click clickthrough visit",
  "stat statistic analytic",
];

/** Each word on a line above, as `stem` makes it, and its concept: the first word of its line, stemmed. */
export function conceptTable(stem: (word: string) => string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of CONCEPTS) {
    const words = line.split(" ").map(stem);
    for (const w of words) table.set(w, words[0]!);
  }
  return table;
}
