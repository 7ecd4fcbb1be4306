/**
 * Matching free text against app patterns, offline. Full-text search (FTS5) finds the candidates;
 * the score is the share of the request's content words that a pattern's title, summary and
 * keywords contain (a plural matches its singular), from 0 to 1, so it means the same however many
 * patterns the knowledge base holds. Ties go to the better bm25 rank.
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
    "able allow allows store stores"
  ).split(" "),
);

/** A word without a plural `s`, so "counts" finds "count" and "clicks" finds "click". */
function stem(word: string): string {
  return word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;
}

/** The request's content words (lower case, 3+ letters, no stopwords), at most 24, in order. */
export function contentWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9]{3,30}/g) ?? [];
  return [...new Set(words.filter((w) => !STOPWORDS.has(w)).map(stem))].slice(0, 24);
}

/** An FTS5 query matching any content word or a longer word it begins (quoted: never a syntax error). */
export function patternQuery(words: string[]): string | null {
  return words.length ? words.map((w) => `"${w}"*`).join(" OR ") : null;
}

/** The share of `words` the pattern's text contains, to two decimals. */
export function coverage(words: string[], patternText: string): number {
  if (!words.length) return 0;
  const has = new Set((patternText.toLowerCase().match(/[a-z0-9]{3,30}/g) ?? []).map(stem));
  return Math.round((words.filter((w) => has.has(w)).length / words.length) * 100) / 100;
}
