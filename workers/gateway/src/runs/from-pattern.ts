import { AppSpec, OfflineNeedsSpecFromPatternsError } from "@aidevos/core";
import { knowledgeBaseOf } from "@aidevos/objects";

/** Which pattern an offline free-text run is built from, and how well it matched. */
export interface PatternChoice {
  spec: AppSpec;
  pattern: { id: string; title: string; score: number; threshold: number };
  closest: { id: string; title: string; score: number }[];
}

/**
 * Offline, free text without a spec: the best-matching app pattern of the knowledge base, adapted
 * where that is safe — only the app's name (from `app`), never its behaviour. Below the threshold,
 * or when the best pattern needs AppSpec features this version lacks, the request is refused with
 * the three closest patterns.
 */
export async function specFromPatterns(env: Env, request: string, app: string | undefined): Promise<PatternChoice> {
  const { threshold, matches } = await knowledgeBaseOf(env).matchPatterns(request);
  const closest = matches.slice(0, 3).map((m) => ({ id: m.entry.id, title: m.entry.title, score: m.score }));
  const best = matches[0];
  if (best?.entry.app && best.score >= threshold) {
    const adapted = AppSpec.safeParse({ ...best.entry.app.spec, ...(app ? { name: app } : {}) });
    if (adapted.success) {
      const pattern = { id: best.entry.id, title: best.entry.title, score: best.score, threshold };
      return { spec: adapted.data, pattern, closest };
    }
  }
  throw new OfflineNeedsSpecFromPatternsError(threshold, closest);
}
