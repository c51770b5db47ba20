/**
 * Which of a question's terms the lexical (BM25) search matches on. FTS5 scores every passage that contains
 * any matched term, so a term found in a large share of the corpus ("learning", "models") makes each
 * question cost a scan of most of the index, and more so the bigger the corpus, while adding almost nothing
 * to the ranking (its IDF is near zero). The match set is therefore the question's rarest terms, within a
 * budget of postings, so a question costs what its distinctive words cost; acronyms and method names typed
 * as such (VaSSO, FaMUS, GAMD) are always kept, whatever their frequency.
 */
import { wordTokens } from '../text.ts';

export interface LexicalQueryOptions {
  /** At most this many terms are matched (the rarest first). */
  maxTerms?: number;
  /**
   * Postings (passages per term, summed) the matched terms may cost before more common ones are left out.
   * The rarest `minTerms` are kept regardless, so a question of common words still finds something.
   */
  postingBudget?: number;
  minTerms?: number;
}

export const LEXICAL_QUERY_DEFAULTS: Required<LexicalQueryOptions> = { maxTerms: 8, postingBudget: 1_500, minTerms: 1 };

/**
 * The terms of `terms` (a question's content terms) to match, in the question's order. Terms no passage
 * contains are left out (they cannot match); `question` is the text as typed, to recognise acronyms. `df`:
 * the store's document frequencies of `terms` (PaperStore.documentFrequencies), which the caller has read once.
 */
export function lexicalMatchTerms(question: string, terms: readonly string[], df: ReadonlyMap<string, number>, options: LexicalQueryOptions = {}): string[] {
  const { maxTerms, postingBudget, minTerms } = { ...LEXICAL_QUERY_DEFAULTS, ...options };
  const named = namedTerms(question);
  const kept = new Set(terms.filter((t) => named.has(t) && (df.get(t) ?? 0) > 0));
  let spent = 0;
  const byRarity = terms.filter((t) => !kept.has(t) && (df.get(t) ?? 0) > 0).sort((a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0));
  for (const [rank, term] of byRarity.entries()) {
    if (kept.size >= maxTerms) break;
    const cost = df.get(term) ?? 0;
    if (rank >= minTerms && spent + cost > postingBudget) break;
    kept.add(term);
    spent += cost;
  }
  return terms.filter((t) => kept.has(t));
}

/**
 * Words written as names: two or more capitals (GAMD, VaSSO, FaMUS, BERT) or letters mixed with digits
 * (ResNet50, GPT4), lower-cased as contentTerms makes them.
 */
export function namedTerms(question: string): Set<string> {
  const names = question.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(
    names
      .filter((w) => (w.match(/\p{Lu}/gu)?.length ?? 0) >= 2 || (/\p{N}/u.test(w) && /\p{L}/u.test(w)))
      .flatMap((w) => wordTokens(w)),
  );
}
