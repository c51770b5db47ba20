/**
 * The evidence behind an answer: for each citation `[n]`, the sentences of passage n that the answer rests
 * on, with the paper and its source, so a reader can check a claim without opening the paper. Kept with the
 * stored answer (the "Show evidence" button reads it back after a restart). Pure: an answer in, quotes out.
 *
 * Which sentences: those of the passage sharing the most content words with the answer's sentences that
 * cite `[n]` (an extractive answer quotes them verbatim, so they are found exactly); when none shares a word
 * (a paraphrase in other words), the passage's opening sentence, so a citation never comes without a quote.
 */
import type { AnswerResult } from '../answering/answer-question.ts';
import { sameStem } from '../answering/extractive-answer.ts';
import { contentTerms, splitSentences } from '../text.ts';

export interface EvidenceQuote {
  /** The citation number in the answer. */
  n: number;
  paperId: string;
  /** The paper's title, else its label (derived from the abstract: never invented). */
  title: string | null;
  label: string;
  url: string | null;
  /** Where the paper is in the corpus (`file:line`). */
  source: string;
  /** Sentences quoted from passage n, in passage order. */
  quotes: string[];
}

/** Sentences quoted per citation: enough to check a claim, short enough to read in a private reply. */
export const QUOTES_PER_CITATION = 2;

/** Each cited passage's supporting sentences, in citation order (one entry per citation number). */
export function answerEvidence(result: Pick<AnswerResult, 'answer' | 'citations' | 'passages'>): EvidenceQuote[] {
  const citing = citingSentences(result.answer);
  const seen = new Set<number>();
  const evidence: EvidenceQuote[] = [];
  for (const citation of result.citations) {
    if (seen.has(citation.n)) continue;
    seen.add(citation.n);
    const passage = result.passages.find((p) => p.n === citation.n);
    if (passage === undefined) continue;
    const quotes = supportingSentences(passage.text, citing.get(citation.n) ?? []);
    evidence.push({ n: citation.n, paperId: citation.paperId, title: citation.title, label: citation.label, url: citation.url, source: citation.source, quotes });
  }
  return evidence;
}

/**
 * The answer's sentences by the citation numbers they carry (`… [1][3].` counts for 1 and 3). The citation
 * check has already rewritten every list and range as single `[n]`s.
 */
function citingSentences(answer: string): Map<number, string[]> {
  const byNumber = new Map<number, string[]>();
  for (const sentence of splitSentences(answer)) {
    const numbers = [...sentence.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    const text = sentence.replace(/\s?\[\d+\]/g, '');
    for (const n of new Set(numbers)) byNumber.set(n, [...(byNumber.get(n) ?? []), text]);
  }
  return byNumber;
}

function supportingSentences(passageText: string, claims: readonly string[]): string[] {
  const sentences = splitSentences(passageText);
  const claimTerms = contentTerms(claims.join(' '));
  const scored = sentences.map((sentence, order) => {
    const terms = contentTerms(sentence);
    const shared = claimTerms.filter((c) => terms.some((t) => sameStem(t, c))).length;
    return { sentence, order, shared };
  });
  const best = scored
    .filter((s) => s.shared > 0)
    .sort((a, b) => b.shared - a.shared || a.order - b.order)
    .slice(0, QUOTES_PER_CITATION)
    .sort((a, b) => a.order - b.order);
  const quotes = best.length > 0 ? best : scored.slice(0, 1);
  return quotes.map((q) => q.sentence);
}
