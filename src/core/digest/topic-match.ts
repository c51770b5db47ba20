/**
 * How well a paper matches a digest's topic. Two measures: relevance, which ranks (any scale, e.g.
 * retrieval's fused score; divided by the best one), and the match, an absolute 0..1 strength that decides
 * whether a NEW paper is on the topic at all (the floor): the IDF-weighted share of the topic's words the
 * paper contains (retrieval's coverage), or without retrieval the share of the topic's word stems found.
 */
import { contentTerms } from '../text.ts';
import type { DigestCandidate, PaperScores } from './pick-papers.ts';

/**
 * A new paper is featured for being new only when its topic match reaches this. Measured on 20,000 real
 * abstracts (the development machines' conference-abstracts dataset) against 10 topics, a paper counted on-topic when its title names the topic:
 * at 0.5, 18% of the papers above the floor were on-topic by title and 49% of those were found; at 0.6, 33%
 * and 30%; 0.6 to 0.8 give the best F1 (0.32), and 0.6 keeps the most. Titles miss many on-topic papers,
 * so the true precision is higher. A topic like "graph neural networks" keeps about 2.6% of the papers,
 * some eight of a weekday's 300 cs.LG announcements.
 */
export const TOPIC_FLOOR = 0.6;

export function scoreLookup(scores: PaperScores): (paperId: string) => number {
  const lookup = typeof scores === 'function' ? scores : (id: string) => scores.get(id);
  return (id) => {
    const s = lookup(id);
    return s !== undefined && Number.isFinite(s) && s > 0 ? s : 0;
  };
}

export function topicRelevance<P extends DigestCandidate>(topic: string | null, scores: PaperScores | undefined): (paper: P) => number {
  if (topic === null) return () => 0;
  if (scores !== undefined) {
    const lookup = scoreLookup(scores);
    return (paper) => lookup(paper.id);
  }
  // One regex per topic word, matching words that start with its stem ("adversarial" ~ "adversary").
  // Tokenizing every abstract, or lower-casing it for a Unicode regex, costs seconds at 100k papers, so ASCII
  // stems (nearly all) use a plain case-insensitive \b regex; other scripts take the slower exact path.
  const stems = contentTerms(topic).map((t) => {
    const stem = t.length < 4 ? t : t.slice(0, Math.max(4, Math.ceil(t.length * 0.7)));
    if (/^[a-z0-9]+$/.test(stem)) return { ascii: true, re: new RegExp(`\\b${stem}${t.length < 4 ? '\\b' : ''}`, 'i') };
    return { ascii: false, re: new RegExp(`(?<![\\p{L}\\p{N}])${stem}${t.length < 4 ? '(?![\\p{L}\\p{N}])' : ''}`, 'u') };
  });
  if (stems.length === 0) return () => 0;
  const needsLower = stems.some((s) => !s.ascii);
  return (paper) => {
    const lower = needsLower ? paper.abstract.toLowerCase() : '';
    return stems.filter((s) => s.re.test(s.ascii ? paper.abstract : lower)).length / stems.length;
  };
}

