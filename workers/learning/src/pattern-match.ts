import { conceptTable } from "./vocabulary";

/**
 * Matching free text against app patterns, offline. Full-text search (FTS5) finds the candidates;
 * the score is how much of the request a pattern covers: the request's content words, each weighed
 * (a word that names a thing weighs 1, a word of what to do or how ½, of when or for whom ¼),
 * and the share of that weight whose words the pattern's title, summary, keywords and spec name, from
 * 0 to 1. Two words are the same when they have one stem (a plural, -ing, -ed or -er form matches its
 * stem) or are one concept in vocabulary.ts (everyday words for the same thing: "basket" is a "cart").
 * So the things a request names that a pattern lacks count fully against it, and the score means the
 * same however many patterns the knowledge base holds. Ties go to the better bm25 rank.
 *
 * At MATCH_THRESHOLD or above, an offline run builds the best pattern; below it, it is refused with
 * the closest three. 0.6: clearly more than half of what the request asks for is named by the pattern,
 * so a request naming three things of which a pattern has two ("product reviews for my shop") is
 * refused rather than built as that pattern: building another domain does more harm than a refusal,
 * which names the closest patterns.
 */
export const MATCH_THRESHOLD = 0.6;

/** Words that say nothing about which app is meant: function words, numbers, fillers. */
const STOPWORDS = new Set(
  (
    "the and that which with for where when can could would should want wants need needs build make create let lets " +
    "using use each every from into onto some any this these those have has had been are was were will its their them " +
    "they our your you who what how also just like very more most one all per via app apps application simple small " +
    "service system tool api user users people please new get keep keeps see show thing things them there then than " +
    "able allow allows store stores my mine his her its out off our not but only own else about again after before " +
    "way ways lot lots much many few any down through around still without within over under across along among " +
    "between ever even never always often sometimes already yet soon now here once twice whether while because since " +
    "until till whose whom someone something anyone anything everything nothing really actually maybe same such both " +
    "either neither whole does did doing being got gets getting stuff place kind sort bit rest two three four five six " +
    "seven eight nine ten twenty hundred thousand dozen couple another " +
    // Light verbs: "turn X into Y", "run a vote", "put a cache in front of".
    "turn run put set take give come hold try help know tell say"
  ).split(" "),
);

/** A word's stem: without a plural, -ing, -ed, -er or a final e ("votes", "voting", "voter" → "vot"). */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|ch|sh|x)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 5 && w.endsWith("er")) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** Each stem of vocabulary.ts and the concept (the first stem on its line) it names. */
const CONCEPT = conceptTable(stem);

/** The stems of one concept, for the full-text query. */
const STEMS_OF = new Map<string, string[]>();
for (const [s, c] of CONCEPT) STEMS_OF.set(c, [...(STEMS_OF.get(c) ?? []), s]);

/** What a stem names: its concept, or itself. */
function concept(s: string): string {
  return CONCEPT.get(s) ?? s;
}

/**
 * Words of what to do or how rather than which thing (stems, as `stem` makes them): they weigh ½,
 * so a request is matched first by the things it names.
 */
const GENERIC = stems(
  "add remov delet view check count total updat edit chang sav record find search sort order " +
    "mark send receiv get put show let see keep later again quick fast slow live real instant automat online web " +
    "page site websit small big long short old new first best top last each other own shar public privat personal " +
    "multipl singl every writ read leav work hit pick ask accept endpoint",
);

/**
 * Words of when and for whom, and what every app does (stems): the time a request mentions, the
 * people it is for and "keep track of" say least about which app is meant ("for my team", "this week",
 * "manage my ..."), so they weigh ¼, as adverbs ("-ly") do.
 */
const CONTEXT = stems(
  "track manag list organis organiz handl log " +
    "time tim timer day daily week weekly hour hourly minut month year today tonight tomorrow weekend morning evening " +
    "monday tuesday wednesday thursday friday saturday sunday " +
    "team club company office family friend hous home school class kid children person everyon everybody colleagu " +
    "household neighbour neighbor roommat coworker",
);

function stems(words: string): Set<string> {
  return new Set(words.split(" ").map(stem));
}

/** Hyphenated or dotted compounds ("to-do", "e-commerce", "bit.ly"): one word when the vocabulary knows it. */
function compounds(text: string): string {
  return text.replace(/\b([a-z]+)[-.]([a-z]+)\b/g, (whole, a: string, b: string) =>
    CONCEPT.has(stem(`${a}${b}`)) ? `${a}${b}` : whole,
  );
}

/** The request's content words (lower case, 3+ letters, no stopwords), stemmed, at most 24, in order. */
export function contentWords(text: string): string[] {
  const words = compounds(text.toLowerCase()).match(/[a-z0-9]{3,30}/g) ?? [];
  // A stopword's plural ("ones", "others") is one too.
  const content = words.filter((w) => !STOPWORDS.has(w) && !(w.endsWith("s") && STOPWORDS.has(w.slice(0, -1))));
  return [...new Set(content.map(stem))].slice(0, 24);
}

/**
 * An FTS5 query matching any content word, any word of its concept, or a longer word either begins
 * (quoted: never a syntax error).
 */
export function patternQuery(words: string[]): string | null {
  const terms = new Set(words.flatMap((w) => [w, ...(STEMS_OF.get(concept(w)) ?? [])]));
  return terms.size ? [...terms].map((w) => `"${w}"*`).join(" OR ") : null;
}

/** How much a word weighs in a request: a thing 1, what to do or how ½, when or for whom ¼. */
function weight(word: string): number {
  if (CONTEXT.has(word) || word.endsWith("ly")) return 0.25;
  return GENERIC.has(word) ? 0.5 : 1;
}

/**
 * The weighed share of `words` the pattern's text names, to two decimals. The request's words are
 * taken by concept (two words of one concept count once); the HTTP methods of the pattern's routes
 * ("POST /sign") and the labels of its parts ("App pattern:", "Asked as:") are no words of it.
 */
export function coverage(words: string[], patternText: string): number {
  const units = new Map<string, number>();
  for (const w of words) units.set(concept(w), Math.max(units.get(concept(w)) ?? 0, weight(w)));
  if (!units.size) return 0;
  const text = patternText
    .replace(/\b(GET|POST|PUT|PATCH|DELETE) \//g, "/")
    .replace(/\b(App pattern|Asked as|Keywords|Entities|Actions):/g, "")
    .toLowerCase();
  const has = new Set((compounds(text).match(/[a-z0-9]{3,30}/g) ?? []).map((w) => concept(stem(w))));
  let all = 0;
  let covered = 0;
  for (const [c, w] of units) {
    all += w;
    if (has.has(c)) covered += w;
  }
  return Math.round((covered / all) * 100) / 100;
}
