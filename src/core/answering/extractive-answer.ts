/**
 * The answer without a language model: the sentences of the retrieved passages that best match the
 * question, each followed by the number of its passage. It is what the bot says with no API key, and
 * what it falls back to when the LLM fails.
 */
import { splitSentences, wordTokens } from '../text.ts';

export interface ExtractivePassage {
  n: number;
  text: string;
}

export interface ExtractiveOptions {
  /** Sentences in the answer. */
  maxSentences?: number;
  /** Only the best passages are mined for sentences. */
  maxPassages?: number;
}

export function extractiveAnswer(
  question: { terms: readonly string[]; idf: ReadonlyMap<string, number> },
  passages: readonly ExtractivePassage[],
  { maxSentences = 3, maxPassages = 3 }: ExtractiveOptions = {},
): { text: string; cited: number[] } {
  const candidates: { n: number; sentence: string; score: number; order: number }[] = [];
  passages.slice(0, maxPassages).forEach((passage, rank) => {
    splitSentences(passage.text).forEach((sentence, i) => {
      const tokens = wordTokens(sentence);
      let score = 0;
      for (const term of question.terms) if (tokens.some((t) => sameStem(t, term))) score += question.idf.get(term) ?? 0;
      // Earlier passages ranked better; a little preference keeps ties with the best passage.
      score *= 1 - rank * 0.05;
      if (score > 0) candidates.push({ n: passage.n, sentence, score, order: rank * 1000 + i });
    });
  });

  let chosen = candidates.sort((a, b) => b.score - a.score).slice(0, maxSentences);
  if (chosen.length === 0) {
    // The gate let the passages through on dense similarity: lead with their opening sentences.
    chosen = passages.slice(0, Math.min(2, maxSentences)).flatMap((p, rank) => {
      const first = splitSentences(p.text)[0];
      return first === undefined ? [] : [{ n: p.n, sentence: first, score: 0, order: rank * 1000 }];
    });
  }
  const text = chosen.map((c) => withCitation(c.sentence, c.n)).join(' ');
  const cited: number[] = [];
  for (const c of chosen) if (!cited.includes(c.n)) cited.push(c.n);
  return { text, cited };
}

/** A cheap stand-in for stemming: "approximate" ~ "approximation", "train" ~ "training". */
export function sameStem(a: string, b: string): boolean {
  if (a === b) return true;
  const n = Math.min(a.length, b.length);
  if (n < 4) return false;
  const prefix = Math.max(4, Math.min(n, Math.ceil(Math.max(a.length, b.length) * 0.7)));
  return a.slice(0, prefix) === b.slice(0, prefix);
}

/** "It works." + 3 → "It works [3]." */
function withCitation(sentence: string, n: number): string {
  const body = sentence.trim();
  const end = /[.!?]$/.exec(body)?.[0];
  return end === undefined ? `${body} [${n}].` : `${body.slice(0, -1)} [${n}]${end}`;
}
