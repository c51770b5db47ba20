/**
 * Development tool, not product code (used by tests and bench).
 *
 * Synthetic abstracts for tests and benchmarks when no real corpus is at hand: seeded, reproducible
 * recombinations of the shipped corpus's sentences. They are text-like (real vocabulary and sentence
 * lengths) but say nothing true; use them for speed and robustness, never for retrieval quality.
 */
import { readFileSync } from 'node:fs';
import { seededRandom } from '../core/random.ts';
import { splitSentences } from '../core/text.ts';
import { SHIPPED_CORPUS } from './shipped-corpus.ts';

/** Every sentence of the shipped corpus's abstracts, in file order. */
export function shippedSentences(): string[] {
  return readFileSync(SHIPPED_CORPUS, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => splitSentences((JSON.parse(line) as { abstract: string }).abstract));
}

/** `count` abstracts of 5–9 sentences each, drawn from `sentences` with a seeded generator; each is unique. */
export function syntheticAbstracts(count: number, { seed = 42, sentences = shippedSentences() }: { seed?: number; sentences?: readonly string[] } = {}): string[] {
  const random = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 5 + Math.floor(random() * 5);
    const picked: string[] = [];
    for (let j = 0; j < n; j++) picked.push(sentences[Math.floor(random() * sentences.length)] ?? '');
    // A serial number keeps recombinations distinct, so none is dropped as a duplicate.
    out.push(`${picked.join(' ')} (Synthetic abstract ${i + 1}.)`);
  }
  return out;
}
