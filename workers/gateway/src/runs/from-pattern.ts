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
 * where that is safe — only the app's name (`app`: the new app's), never its behaviour. Below the threshold,
 * or when no pattern above it can be built offline (it needs AppSpec features this version lacks,
 * or it is a learned shape whose actions need a model to write them), the request is refused with
 * the three closest patterns.
 */
export async function specFromPatterns(env: Env, request: string, app: string): Promise<PatternChoice> {
  const { threshold, matches } = await knowledgeBaseOf(env).matchPatterns(request);
  const closest = matches.slice(0, 3).map((m) => ({ id: m.entry.id, title: m.entry.title, score: m.score }));
  for (const match of matches) {
    if (!match.entry.app || match.score < threshold) break;
    const adapted = AppSpec.safeParse({ ...match.entry.app.spec, name: app });
    // A learned pattern is a shape: its actions have no code (they stayed with the app it came from),
    // and offline nothing writes them. Only a pattern whose every action brings code is built here.
    if (adapted.success && (adapted.data.actions ?? []).every((a) => a.code !== undefined)) {
      const pattern = { id: match.entry.id, title: match.entry.title, score: match.score, threshold };
      return { spec: adapted.data, pattern, closest };
    }
  }
  throw new OfflineNeedsSpecFromPatternsError(threshold, closest);
}
