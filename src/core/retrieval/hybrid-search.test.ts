/**
 * Hybrid retrieval over in-memory fakes of the store, the vector index and the embedder: reciprocal rank
 * fusion, the per-paper cap, top-k, the relevance gate (refuse without evidence, name the closest papers),
 * and lexical-only mode that never touches the embedder.
 */
import { describe, expect, it } from 'vitest';
import { paper } from '../../../tests/support/paper-fixture.ts';
import type { Embedder } from './embedder.ts';
import { coverage, decideGate, inverseDocumentFrequencies, retrieve, type RetrievalOptions } from './hybrid-search.ts';
import { MemoryPaperStore } from './memory-paper-store.fixture.ts';
import type { StoredPassage } from './paper-store.ts';
import type { VectorHit, VectorIndex } from './vector-index.ts';

/** Returns scripted hits, best first, whatever the query vector; records each search. */
class FakeVectorIndex implements VectorIndex {
  readonly dims = 3;
  readonly searches: { vector: readonly number[]; k: number }[] = [];
  constructor(private readonly hits: VectorHit[]) {}
  get size() {
    return this.hits.length;
  }
  search(vector: readonly number[], k: number): VectorHit[] {
    this.searches.push({ vector, k });
    return this.hits.slice(0, k);
  }
  getVector(): number[] | undefined {
    return undefined;
  }
}

class FakeEmbedder implements Embedder {
  readonly info = { modelId: 'fake', dims: 3, pooling: 'mean' as const, dtype: 'fp32', queryPrefix: '' };
  readonly queries: string[] = [];
  readonly passageBatches: (readonly string[])[] = [];
  async embedPassages(texts: readonly string[]): Promise<number[][]> {
    this.passageBatches.push(texts);
    return texts.map(() => [1, 0, 0]);
  }
  async embedQuery(text: string): Promise<number[]> {
    this.queries.push(text);
    return [1, 0, 0];
  }
  async dispose(): Promise<void> {}
}

const OPTIONS: RetrievalOptions = { topK: 6, maxPassagesPerPaper: 2, gateMinCoverage: 0.3, gateMinSimilarity: undefined };

// A small corpus about machine learning; nothing in it concerns geography.
const PAPERS = [paper('vasso'), paper('famus'), paper('advgan'), paper('comirec')];
const PASSAGES: StoredPassage[] = [
  { id: 1, paperId: 'vasso', ord: 0, text: 'VaSSO suppresses the variance of the adversary in sharpness aware minimization.' },
  { id: 2, paperId: 'famus', ord: 0, text: 'FaMUS approximates the meta gradient to save training time with noisy labels.' },
  { id: 3, paperId: 'advgan', ord: 0, text: 'AdvGAN generates adversarial examples with generative adversarial networks.' },
  { id: 4, paperId: 'comirec', ord: 0, text: 'ComiRec captures multiple interests of users for recommendation.' },
];

describe('retrieve: fusion', () => {
  it('ranks a passage found by both retrievers above passages found by one', async () => {
    const store = new MemoryPaperStore(PASSAGES, PAPERS, [
      { id: 1, paperId: 'vasso', score: 9 },
      { id: 2, paperId: 'famus', score: 5 },
    ]);
    const vectors = new FakeVectorIndex([
      { label: 3, similarity: 0.9 },
      { label: 2, similarity: 0.8 },
    ]);
    const result = await retrieve('anything at all', { store, vectors, embedder: new FakeEmbedder() }, { ...OPTIONS, gateMinCoverage: 0 });

    expect(result.mode).toBe('hybrid');
    expect(result.passages.map((p) => p.passage.id)).toEqual([2, 1, 3]);
    const both = result.passages[0];
    expect(both).toMatchObject({ bm25: 5, similarity: 0.8 });
    expect(both?.score).toBeCloseTo(2 / 62, 10);
    expect(result.passages[1]).toMatchObject({ bm25: 9, similarity: null });
    expect(result.passages[2]).toMatchObject({ bm25: null, similarity: 0.9 });
  });

  it('keeps at most maxPassagesPerPaper passages of one paper, letting other papers in', async () => {
    const passages: StoredPassage[] = [
      ...[1, 2, 3, 4].map((id) => ({ id, paperId: 'long', ord: id - 1, text: `Chunk ${id} on pruning neurons by fusion.` })),
      { id: 5, paperId: 'other', ord: 0, text: 'Another paper on pruning.' },
    ];
    const store = new MemoryPaperStore(passages, [paper('long'), paper('other')], [1, 2, 3, 4, 5].map((id) => ({ id, paperId: id === 5 ? 'other' : 'long', score: 10 - id })));
    const result = await retrieve('pruning', { store }, { ...OPTIONS, maxPassagesPerPaper: 2 });
    expect(result.passages.map((p) => [p.paper.id, p.passage.id])).toEqual([
      ['long', 1],
      ['long', 2],
      ['other', 5],
    ]);
  });

  it('returns at most topK passages, best first', async () => {
    const passages = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, paperId: `p${i + 1}`, ord: 0, text: `Pruning study number ${i + 1}.` }));
    const store = new MemoryPaperStore(passages, passages.map((p) => paper(p.paperId)), passages.map((p, i) => ({ id: p.id, paperId: p.paperId, score: 20 - i })));
    const result = await retrieve('pruning', { store }, { ...OPTIONS, topK: 3 });
    expect(result.passages.map((p) => p.passage.id)).toEqual([1, 2, 3]);
  });

  it('asks each retriever for the configured number of candidates', async () => {
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const vectors = new FakeVectorIndex([{ label: 2, similarity: 0.7 }]);
    await retrieve('FaMUS training time', { store, vectors, embedder: new FakeEmbedder() }, { ...OPTIONS, candidates: 7 });
    expect(store.lexicalCalls.map((c) => c.limit)).toEqual([7]);
    expect(vectors.searches.map((s) => s.k)).toEqual([7]);
  });
});

describe('retrieve: lexical-only', () => {
  it('works without vectors and never calls an embedder', async () => {
    const embedder = new FakeEmbedder();
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const result = await retrieve('What does FaMUS approximate to save training time?', { store, embedder }, OPTIONS);
    expect(result.mode).toBe('lexical');
    expect(result.passages[0]?.paper.id).toBe('famus');
    expect(embedder.queries).toEqual([]);
  });

  it('in lexical mode, ignores the vector index and the embedder even when they exist', async () => {
    const embedder = new FakeEmbedder();
    const vectors = new FakeVectorIndex([{ label: 3, similarity: 0.99 }]);
    const store = new MemoryPaperStore(PASSAGES, PAPERS);
    const result = await retrieve('What does FaMUS approximate?', { store, vectors, embedder }, { ...OPTIONS, mode: 'lexical' });
    expect(result.mode).toBe('lexical');
    expect(embedder.queries).toEqual([]);
    expect(vectors.searches).toEqual([]);
    expect(result.passages.every((p) => p.similarity === null)).toBe(true);
  });

  it('refuses dense mode when there is no embedder', async () => {
    await expect(retrieve('FaMUS', { store: new MemoryPaperStore(PASSAGES, PAPERS) }, { ...OPTIONS, mode: 'dense' })).rejects.toThrow(/needs an embedder/);
  });
});

describe('retrieve: the relevance gate', () => {
  // Dense retrieval always returns something, however unrelated: here, high similarity to a paper on recommendation.
  const unrelatedDense = () => new FakeVectorIndex([{ label: 4, similarity: 0.83 }, { label: 3, similarity: 0.8 }, { label: 1, similarity: 0.79 }, { label: 2, similarity: 0.7 }]);

  it('refuses a question the corpus does not cover when no similarity threshold is set, and names the closest papers', async () => {
    const embedder = new FakeEmbedder();
    const result = await retrieve('What is the capital of Australia?', { store: new MemoryPaperStore(PASSAGES, PAPERS), vectors: unrelatedDense(), embedder }, OPTIONS);
    expect(result.gate.passed).toBe(false);
    expect(result.gate.bestCoverage).toBe(0);
    expect(result.gate.bestSimilarity).toBeCloseTo(0.83);
    expect(result.passages).toEqual([]);
    expect(result.closest.map((p) => p.id)).toEqual(['comirec', 'advgan', 'vasso']);
  });

  it('passes on dense similarity alone when a similarity threshold is set', async () => {
    const result = await retrieve(
      'What is the capital of Australia?',
      { store: new MemoryPaperStore(PASSAGES, PAPERS), vectors: unrelatedDense(), embedder: new FakeEmbedder() },
      { ...OPTIONS, gateMinSimilarity: 0.8 },
    );
    expect(result.gate.passed).toBe(true);
    expect(result.gate.reason).toMatch(/similarity/);
    // Passages far below the threshold are not evidence and stay out of the prompt.
    expect(result.passages.map((p) => p.passage.id)).toEqual([4, 3, 1]);
  });

  it('passes when the question terms are found, weighting rare terms more', async () => {
    const result = await retrieve('How does FaMUS save training time?', { store: new MemoryPaperStore(PASSAGES, PAPERS) }, OPTIONS);
    expect(result.gate.passed).toBe(true);
    expect(result.terms).toEqual(['famus', 'save', 'training', 'time']);
    expect(result.passages[0]?.coverage).toBe(1);
  });

  it('refuses when only a minor part of the question is covered', async () => {
    // "adversarial" is in the corpus; "capital", "australia", "population" are not.
    const result = await retrieve('adversarial capital australia population', { store: new MemoryPaperStore(PASSAGES, PAPERS) }, OPTIONS);
    expect(result.gate.passed).toBe(false);
    expect(result.gate.bestCoverage).toBeGreaterThan(0);
    expect(result.gate.bestCoverage).toBeLessThan(0.3);
    expect(result.closest.map((p) => p.id)).toEqual(['advgan']);
  });

  it('refuses with no closest papers when nothing matched at all', async () => {
    const result = await retrieve('capital of Australia', { store: new MemoryPaperStore(PASSAGES, PAPERS) }, OPTIONS);
    expect(result.gate).toMatchObject({ passed: false, reason: 'no passage matched the question' });
    expect(result.closest).toEqual([]);
  });
});

describe('coverage', () => {
  const idf = new Map([
    ['famus', 3],
    ['training', 1],
  ]);

  it('is the IDF-weighted share of the question terms found', () => {
    expect(coverage(['famus', 'training'], new Set(['famus']), idf)).toBeCloseTo(0.75);
    expect(coverage(['famus', 'training'], new Set(['training']), idf)).toBeCloseTo(0.25);
    expect(coverage(['famus', 'training'], new Set(['famus', 'training']), idf)).toBe(1);
  });

  it('is 0 for a question without content terms', () => {
    expect(coverage([], new Set(), idf)).toBe(0);
  });
});

describe('inverseDocumentFrequencies', () => {
  it('weights a rare term above a common one, and a term the corpus never saw highest', async () => {
    const frequencies = new Map([['common', 80], ['rare', 2]]);
    const store = { counts: () => ({ papers: 100, passages: 100 }), documentFrequencies: (terms: readonly string[]) => new Map(terms.map((t) => [t, frequencies.get(t) ?? 0])) };
    const idf = await inverseDocumentFrequencies(['common', 'rare', 'unseen'], store);
    expect(idf.get('rare')).toBeGreaterThan(idf.get('common') ?? Infinity);
    expect(idf.get('unseen')).toBeGreaterThan(idf.get('rare') ?? Infinity);
  });
});

describe('decideGate', () => {
  const gate = { gateMinCoverage: 0.5, gateMinSimilarity: undefined };

  it('refuses when there is no passage', () => {
    expect(decideGate([], gate)).toMatchObject({ passed: false, bestCoverage: 0, bestSimilarity: null });
  });

  it('passes when the best passage covers enough of the question', () => {
    expect(decideGate([{ coverage: 0.2, similarity: null }, { coverage: 0.5, similarity: null }], gate)).toMatchObject({ passed: true, bestCoverage: 0.5 });
  });

  it('refuses on similarity alone when no similarity threshold is set', () => {
    const decision = decideGate([{ coverage: 0.1, similarity: 0.99 }], gate);
    expect(decision).toMatchObject({ passed: false, bestSimilarity: 0.99 });
    expect(decision.reason).toMatch(/coverage 0\.10 < 0\.5/);
  });

  it('passes on similarity when a threshold is set and reached, and refuses below it', () => {
    expect(decideGate([{ coverage: 0.1, similarity: 0.72 }], { gateMinCoverage: 0.5, gateMinSimilarity: 0.7 }).passed).toBe(true);
    expect(decideGate([{ coverage: 0.1, similarity: 0.69 }], { gateMinCoverage: 0.5, gateMinSimilarity: 0.7 }).passed).toBe(false);
  });
});
