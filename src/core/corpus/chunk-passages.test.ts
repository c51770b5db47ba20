/**
 * Chunking: an abstract is one passage; a long text becomes sentence-aligned chunks of about the target length,
 * neighbours sharing a sentence, and no text is lost on the way.
 */
import { describe, expect, it } from 'vitest';
import { splitSentences } from '../text.ts';
import { chunkText } from './chunk-passages.ts';

function longText(sentences: number): string {
  return Array.from({ length: sentences }, (_, i) => `Sentence ${i + 1} discusses topic ${i % 7} with enough words to matter here.`).join(' ');
}

describe('chunkText', () => {
  it('keeps an abstract as a single passage, whitespace tidied', () => {
    const abstract = 'We propose VaSSO.\nIt  stabilises sharpness-aware minimisation. Experiments confirm it.';
    expect(chunkText(abstract)).toEqual(['We propose VaSSO. It stabilises sharpness-aware minimisation. Experiments confirm it.']);
  });

  it('returns no passage for blank text', () => {
    expect(chunkText(' \n ')).toEqual([]);
  });

  it('cuts a long text into several chunks no longer than the target (plus at most one sentence)', () => {
    const text = longText(60);
    const targetChars = 300;
    const chunks = chunkText(text, { maxSingleChars: 500, targetChars });
    const longestSentence = Math.max(...splitSentences(text).map((s) => s.length));

    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(targetChars + longestSentence);
    // Chunks are meant to be filled, not one sentence each.
    expect(chunks.slice(0, -1).every((c) => c.length > targetChars / 2)).toBe(true);
  });

  it('repeats the last sentence of a chunk at the start of the next', () => {
    const chunks = chunkText(longText(30), { maxSingleChars: 500, targetChars: 300 });
    for (let i = 1; i < chunks.length; i++) {
      const previous = splitSentences(chunks[i - 1] ?? '');
      const current = splitSentences(chunks[i] ?? '');
      expect(current[0]).toBe(previous[previous.length - 1]);
    }
  });

  it('loses no sentence: every sentence of the text appears in some chunk, in order', () => {
    const text = longText(45);
    const chunks = chunkText(text, { maxSingleChars: 500, targetChars: 400 });
    const sentences = splitSentences(text);
    for (const sentence of sentences) expect(chunks.some((c) => c.includes(sentence))).toBe(true);
    expect(chunks[0]?.startsWith(sentences[0] ?? '?')).toBe(true);
    expect(chunks[chunks.length - 1]?.endsWith(sentences[sentences.length - 1] ?? '?')).toBe(true);
  });

  it('cuts a sentence longer than a chunk at word boundaries, keeping every word', () => {
    const words = Array.from({ length: 200 }, (_, i) => `token${i}`);
    const text = `An opening sentence stands here. ${words.join(' ')}. A closing sentence stands here.`;
    const chunks = chunkText(text, { maxSingleChars: 500, targetChars: 300 });

    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(300 + 'An opening sentence stands here.'.length + 1);
      // Every piece starts and ends on a whole word.
      for (const token of chunk.split(' ')) expect(token).toMatch(/^(token\d+\.?|An|A|opening|closing|sentence|stands|here\.)$/);
    }
    const seen = new Set(chunks.flatMap((c) => c.split(' ')).map((t) => t.replace(/\.$/, '')));
    for (const word of words) expect(seen.has(word)).toBe(true);
    expect(chunks.some((c) => c.includes('A closing sentence stands here.'))).toBe(true);
  });

  it('cuts a run without spaces at the limit rather than looping', () => {
    const blob = 'x'.repeat(1_000);
    const chunks = chunkText(`${blob}.`, { maxSingleChars: 200, targetChars: 300 });
    expect(chunks.every((c) => c.length <= 300)).toBe(true);
    expect(chunks.join('')).toBe(`${blob}.`);
  });
});
