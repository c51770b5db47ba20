/**
 * Small text utilities shared by the corpus, retrieval and answering: normalization, word tokens (Chinese
 * and Japanese split into words, since they write none of the spaces the tokenizers split on), lengths that
 * fit the script, stop words and a sentence splitter that knows the abbreviations of scientific prose.
 */
import { createHash } from 'node:crypto';

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Han, kana and the marks written inside their words (ー lengthens a kana vowel, 々 repeats a character). */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005]+/gu;
// ICU's dictionary segmentation, the same for Chinese and Japanese text whatever the locale.
const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * `text` with every run of Chinese or Japanese characters split into words by spaces (Intl.Segmenter):
 * FTS5's tokenizer and wordTokens split on spaces and punctuation only, so a whole sentence in those scripts
 * was one token and no word inside it could match. Other scripts are returned as they are.
 */
export function segmentWords(text: string): string {
  if (!CJK.test(text)) return text;
  return text.replace(CJK_RUN, (run) => {
    const words = [...SEGMENTER.segment(run)].filter((s) => s.isWordLike).map((s) => s.segment);
    return ` ${words.join(' ')} `;
  });
}

/** Lower-case word tokens (letters/digits, inner hyphens kept as separate tokens; Chinese and Japanese by word). */
export function wordTokens(text: string): string[] {
  return segmentWords(normalizeText(text)).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Length in Latin-letter equivalents: a Chinese or Japanese character carries about what three Latin letters
 * do (a 90-character Chinese abstract is a whole abstract, 270 here), everything else counts one.
 */
export function scriptLength(text: string): number {
  const cjk = text.match(CJK_RUN)?.join('').length ?? 0;
  return text.length + 2 * cjk;
}

// Question words and function words: they say nothing about which paper answers.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both but by
  can could did do does doing done down during each either few for from further had has have having he her here hers him his how
  i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own paper papers
  please same she should so some such tell than that the their theirs them then there these they this those through to too under
  until up use used uses using very was we were what when where which while who whom why will with would you your yours
  explain describe give show list find anything something does do say says said according known kind way ways one two
  的 了 是 在 和 与 及 或 等 中 对 于 由 被 把 这 那 其 之 也 都 而 以 为 本文 我们 一种 如何 什么 哪些 哪个 怎样 为什么 可以 通过 使用
  の は を に が で と も へ や か な だ ね よ する した して される された こと もの これ この その それ ある いる です ます どう どの 何 なぜ`
    .split(/\s+/)
    .filter(Boolean),
);

/** Distinct content words of a question, in order of first appearance. */
export function contentTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const token of wordTokens(text)) {
    // One character is noise in alphabets, but a Chinese or Japanese word (剪 in 剪枝, "pruning").
    if (token.length < 2 && !/\d/.test(token) && !CJK.test(token)) continue;
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

/** The lines of a text: `\r\n`, `\r` and `\n` all end one (old Mac exports end lines with `\r` alone). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
