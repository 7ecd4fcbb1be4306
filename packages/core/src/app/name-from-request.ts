/** Words that name nothing a person would call the app by. */
const FILLER = new Set(
  (
    "a an the for my our your their his her its of and or to in on at by with that which where who when what " +
    "i we me us you it is are be can could would should will want need needs let lets please build make create " +
    "simple small little new app apps application service tool api some any each every all this these those " +
    "so they them from into where how also just like"
  ).split(" "),
);

/**
 * A new app's name from a free-text request: its first three words that say something, joined
 * with dashes ("A URL shortener that counts clicks" → "url-shortener-counts"), always a valid
 * AppName; "app" when nothing is left. Whether the name is free is the Registry's to say.
 */
export function appNameFromRequest(request: string): string {
  const words = (request.toLowerCase().match(/[a-z][a-z0-9]*/g) ?? []).filter((w) => !FILLER.has(w) && w.length > 1);
  let name = "";
  for (const word of words.slice(0, 3)) {
    const next = name ? `${name}-${word}` : word;
    if (next.length > 30) break;
    name = next;
  }
  return name.length >= 2 ? name : "app";
}
