/**
 * Splits a paper's text into passages. An abstract is one passage; longer texts become sentence-aligned
 * chunks of about `targetChars` with `overlapSentences` repeated between neighbours, so that an answer that
 * straddles a boundary is still found whole in one of them.
 */
import { splitSentences } from '../text.ts';

export interface ChunkOptions {
  /** Texts up to this length stay one passage. */
  maxSingleChars?: number;
  /** Aim for chunks about this long. */
  targetChars?: number;
  overlapSentences?: number;
}

export function chunkText(text: string, { maxSingleChars = 2_000, targetChars = 1_000, overlapSentences = 1 }: ChunkOptions = {}): string[] {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= maxSingleChars) return clean === '' ? [] : [clean];

  const sentences = splitSentences(clean).flatMap((s) => splitOverlong(s, targetChars));
  const chunks: string[] = [];
  let start = 0;
  while (start < sentences.length) {
    let end = start;
    let length = 0;
    while (end < sentences.length && (end === start || length + (sentences[end]?.length ?? 0) <= targetChars)) {
      length += (sentences[end]?.length ?? 0) + 1;
      end += 1;
    }
    chunks.push(sentences.slice(start, end).join(' '));
    if (end >= sentences.length) break;
    start = Math.max(start + 1, end - overlapSentences);
  }
  return chunks;
}

/** A "sentence" longer than a chunk (a list, a table) is cut at word boundaries. */
function splitOverlong(sentence: string, limit: number): string[] {
  if (sentence.length <= limit) return [sentence];
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > limit) {
    const cut = rest.lastIndexOf(' ', limit);
    const at = cut > limit / 2 ? cut : limit;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}
