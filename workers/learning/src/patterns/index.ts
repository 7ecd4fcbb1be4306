import cart from "./cart";
import chat from "./chat";
import cleanup from "./cleanup";
import flags from "./flags";
import guestbook from "./guestbook";
import leaderboard from "./leaderboard";
import notes from "./notes";
import type { SeedPattern } from "./pattern";
import poll from "./poll";
import proxy from "./proxy";
import shortener from "./shortener";
import todo from "./todo";
import webhook from "./webhook";

/** The architecture patterns the knowledge base ships: whole apps, each proven by its examples in the tests. */
export const SEED_PATTERNS: readonly SeedPattern[] = [
  todo,
  notes,
  leaderboard,
  shortener,
  poll,
  cart,
  guestbook,
  flags,
  webhook,
  chat,
  cleanup,
  proxy,
];
