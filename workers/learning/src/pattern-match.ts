/**
 * Matching free text against app patterns, offline. Full-text search (FTS5) finds the candidates;
 * the score is how much of the request a pattern covers: the request's content words, each weighed
 * (a word that names a thing weighs 1, a word of what to do or how weighs ½: GENERIC), and the share
 * of that weight whose words the pattern's title, summary, keywords and spec name (a plural, -ing or
 * -ed form matches its stem), from 0 to 1. So the things a request names that a pattern lacks count
 * fully against it, and the score means the same however many patterns the knowledge base holds.
 * Ties go to the better bm25 rank.
 *
 * At MATCH_THRESHOLD or above, an offline run builds the best pattern; below it, it is refused with
 * the closest three. 0.5: at least half of what the request asks for is named by the pattern.
 */
export const MATCH_THRESHOLD = 0.5;

/** Words that say nothing about which app is meant. */
const STOPWORDS = new Set(
  (
    "the and that which with for where when can could would should want wants need needs build make create let lets " +
    "using use each every from into onto some any this these those have has had been are was were will its their them " +
    "they our your you who what how also just like very more most one all per via app apps application simple small " +
    "service system tool api user users people please new get keep keeps see show thing things them there then than " +
    "able allow allows store stores my mine his her its out off our not but only own else about again after before " +
    "way ways lot lots much many few any"
  ).split(" "),
);

/**
 * Words of what to do, how or when rather than which thing: they weigh half, so a request is
 * matched first by the things it names. (Stems, as `stem` makes them.)
 */
const GENERIC = new Set(
  (
    "add remov delet track manag list view check count total updat edit chang sav record find search sort order " +
    "mark send receiv get put show let see keep time timer day daily week weekly hour hourly minut month year " +
    "later again quick fast slow live real tim instant automat online web page site websit small big long short " +
    "old new first best top last each other own shar public privat personal multipl singl every"
  )
    .split(" ")
    .filter(Boolean),
);

/** A word's stem: without a plural, -ing, -ed or a final e ("votes", "voting", "voted" → "vot"). */
function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|ch|sh|x)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** The request's content words (lower case, 3+ letters, no stopwords), stemmed, at most 24, in order. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9]{3,30}/g) ?? [];
  return [...new Set(words.filter((w) => !STOPWORDS.has(w)).map(stem))].slice(0, 24);
}

/** An FTS5 query matching any content word or a longer word it begins (quoted: never a syntax error). */
export function patternQuery(words: string[]): string | null {
  return words.length ? words.map((w) => `"${w}"*`).join(" OR ") : null;
}

/** How much a word weighs in a request: a thing 1, what to do or how ½. */
function weight(word: string): number {
  return GENERIC.has(word) ? 0.5 : 1;
}

/** The weighed share of `words` the pattern's text contains, to two decimals. */
export function coverage(words: string[], patternText: string): number {
  if (!words.length) return 0;
  const has = new Set((patternText.toLowerCase().match(/[a-z0-9]{3,30}/g) ?? []).map(stem));
  const all = words.reduce((n, w) => n + weight(w), 0);
  const covered = words.filter((w) => has.has(w)).reduce((n, w) => n + weight(w), 0);
  return Math.round((covered / all) * 100) / 100;
}
