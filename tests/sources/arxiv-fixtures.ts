/**
 * arXiv papers for the source tests: abstracts long enough for the corpus (100+ characters), ids in the
 * current style, and a builder for a day's worth of announcements.
 */
import type { FakeArxivPaper } from '../../src/dev/fake-arxiv.ts';

export function arxivPaper(n: number, overrides: Partial<FakeArxivPaper> = {}): FakeArxivPaper {
  const id = `2612.${String(n).padStart(5, '0')}`;
  return {
    id,
    title: `Paper number ${n} on sparse gradient methods`,
    abstract: `We study method number ${n} for training neural networks with sparse gradients, and show that it converges faster than dense baselines on ${n % 7} benchmarks.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.LG'],
    published: '2026-12-01',
    ...overrides,
  };
}

export function arxivPapers(from: number, count: number, overrides: Partial<FakeArxivPaper> = {}): FakeArxivPaper[] {
  return Array.from({ length: count }, (_, i) => arxivPaper(from + i, overrides));
}
