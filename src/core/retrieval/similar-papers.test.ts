/**
 * Similar papers over in-memory fakes: by the centroid of a paper's passage vectors when there are vectors,
 * by its most distinctive words when there are none (or the paper has no vectors), never the paper itself.
 */
import { describe, expect, it } from 'vitest';
import { paper } from '../../../tests/support/paper-fixture.ts';
import { MemoryPaperStore, MemoryVectorIndex } from './memory-paper-store.fixture.ts';
import type { StoredPassage } from './paper-store.ts';
import { paperCentroid, similarPapers } from './similar-papers.ts';

const PAPERS = [
  paper('gan1', { abstract: 'Generative adversarial networks craft adversarial examples.' }),
  paper('gan2', { abstract: 'Adversarial examples crafted by generative networks fool classifiers.' }),
  paper('prune', { abstract: 'Pruning neurons by fusion keeps accuracy.' }),
  paper('rec', { abstract: 'Recommendation with multiple interests of users.' }),
];
const PASSAGES: StoredPassage[] = PAPERS.map((p, i) => ({ id: i + 1, paperId: p.id, ord: 0, text: p.abstract }));
// gan1 has two passages; its centroid lies between them, nearest to gan2, then prune.
PASSAGES.push({ id: 5, paperId: 'gan1', ord: 1, text: 'More on adversarial training.' });
const VECTORS = new Map<number, number[]>([
  [1, [1, 0, 0]],
  [5, [1, 0.2, 0]],
  [2, [0.9, 0.1, 0]],
  [3, [0.5, 0.5, 0]],
  [4, [0, 0, 1]],
]);

describe('paperCentroid', () => {
  it('is the unit-length mean of the paper passage vectors, and undefined without any', async () => {
    const vectors = new MemoryVectorIndex(3, VECTORS);
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const centroid = (await paperCentroid('gan1', { store, vectors })) ?? [];
    expect(Math.hypot(...centroid)).toBeCloseTo(1, 10);
    expect(centroid[0]).toBeGreaterThan(centroid[1] ?? 1);
    expect(centroid[2]).toBe(0);
    expect(await paperCentroid('unknown', { store, vectors })).toBeUndefined();
  });
});

describe('similarPapers', () => {
  it('ranks papers by their passages nearest to the centroid, one entry per paper, never the paper itself', async () => {
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const similar = await similarPapers('gan1', 2, { store, vectors: new MemoryVectorIndex(3, VECTORS) });
    expect(similar.map((s) => s.paper.id)).toEqual(['gan2', 'prune']);
    expect(similar[0]?.similarity).toBeGreaterThan(similar[1]?.similarity ?? 1);
  });

  it('compares distinctive words when the index has no vectors', async () => {
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const similar = await similarPapers('gan1', 5, { store, vectors: null });
    expect(similar[0]).toEqual({ paper: PAPERS[1], similarity: null });
    expect(similar.map((s) => s.paper.id)).not.toContain('gan1');
    expect(similar.map((s) => s.paper.id)).not.toContain('rec');
  });

  it('asks the lexical search for the paper\'s shared rare words within the term budget, never a word in most passages', async () => {
    // 3,000 other abstracts all say "networks"; two of them also say "adversarial".
    const filler = Array.from({ length: 3_000 }, (_, i) => paper(`filler${i}`, { abstract: i < 2 ? 'Adversarial networks again.' : 'Networks of many kinds.' }));
    const papers = [...PAPERS, ...filler];
    const passages: StoredPassage[] = papers.map((p, i) => ({ id: i + 1, paperId: p.id, ord: 0, text: p.abstract }));
    const store = new MemoryPaperStore(passages, papers);
    const similar = await similarPapers('gan1', 3, { store, vectors: null });
    const [call] = store.lexicalCalls;
    expect(call?.terms).toContain('adversarial');
    expect(call?.terms).not.toContain('networks');
    // "craft" occurs only in gan1 itself: it can find no other paper.
    expect(call?.terms).not.toContain('craft');
    expect(similar[0]?.paper.id).toBe('gan2');
  });

  it('falls back to words for a paper without vectors, and finds nothing for an unknown paper', async () => {
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const withoutGan1 = new MemoryVectorIndex(3, new Map([...VECTORS].filter(([label]) => label !== 1 && label !== 5)));
    expect(await similarPapers('gan1', 1, { store, vectors: withoutGan1 })).toEqual([{ paper: PAPERS[1], similarity: null }]);
    expect(await similarPapers('unknown', 3, { store, vectors: withoutGan1 })).toEqual([]);
  });
});
