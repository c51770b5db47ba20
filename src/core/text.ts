/**
 * Small text utilities shared by the corpus, retrieval and answering: normalization, word tokens,
 * stop words and a sentence splitter that knows the abbreviations of scientific prose.
 */
import { createHash } from 'node:crypto';

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Lower-case word tokens (letters/digits, inner hyphens kept as separate tokens). */
export function wordTokens(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

// Question words and function words: they say nothing about which paper answers.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
  can could did do does doing done down during each either few for from further had has have having he her here hers him his how
  i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own paper papers
  please same she should so some such tell than that the their theirs them then there these they this those through to too under
  until up use used uses using very was we were what when where which while who whom why will with would you your yours
  explain describe give show list find anything something does do say says said according known kind way ways one two`
    .split(/\s+/)
    .filter(Boolean),
);

/** Distinct content words of a question, in order of first appearance. */
export function contentTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const token of wordTokens(text)) {
    if (token.length < 2 && !/\d/.test(token)) continue;
    if (STOP_WORDS.has(token)) continue;
    seen.add(token);
  }
  return [...seen];
}

const ABBREVIATIONS = /(?:\b(?:e\.g|i\.e|et al|etc|fig|figs|eq|eqs|vs|cf|approx|resp|no|sec|ref|refs|dr|mr|ms|prof)|\b[A-Z])\.$/i;

/** Splits prose into sentences without breaking "e.g.", "et al.", "Fig. 2", "3.5" or "U.S.". */
export function splitSentences(text: string): string[] {
  const parts = text.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s+(?=["'([]?[A-Z0-9])/);
  const sentences: string[] = [];
  for (const part of parts) {
    const previous = sentences[sentences.length - 1];
    if (previous !== undefined && ABBREVIATIONS.test(previous)) {
      sentences[sentences.length - 1] = `${previous} ${part}`;
    } else if (part.length > 0) {
      sentences.push(part);
    }
  }
  return sentences;
}
