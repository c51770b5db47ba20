/**
 * In-memory fakes of the retrieval ports for core tests: a PaperStore that matches whole words (or returns
 * scripted lexical hits) and records its lexical searches, and a VectorIndex that searches exactly by
 * cosine. Every method answers with a promise, as a networked backend (PostgreSQL) does, so a caller that
 * forgets to await fails these tests. Not used by the program.
 */
import type { Paper } from '../corpus/paper.ts';
import { wordTokens } from '../text.ts';
import type { LexicalHit, PaperStore, StoredPaper, StoredPassage } from './paper-store.ts';
import type { VectorHit, VectorIndex } from './vector-index.ts';

export class MemoryPaperStore implements PaperStore {
  readonly lexicalCalls: { terms: readonly string[]; limit: number }[] = [];
  private readonly papers: Map<string, Paper>;

  constructor(
    readonly passages: StoredPassage[],
    papers: Paper[],
    private readonly scriptedLexical?: LexicalHit[],
  ) {
    this.papers = new Map(papers.map((p) => [p.id, p]));
  }

  private has(p: StoredPassage, term: string): boolean {
    return wordTokens(p.text).includes(term);
  }

  async counts() {
    return { papers: this.papers.size, passages: this.passages.length };
  }
  async lexicalSearch(terms: readonly string[], limit: number): Promise<LexicalHit[]> {
    this.lexicalCalls.push({ terms, limit });
    if (this.scriptedLexical !== undefined) return this.scriptedLexical.slice(0, limit);
    return this.passages
      .map((p) => ({ id: p.id, paperId: p.paperId, score: terms.filter((t) => this.has(p, t)).length }))
      .filter((h) => h.score > 0)
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, limit);
  }
  async documentFrequencies(terms: readonly string[]): Promise<Map<string, number>> {
    return new Map(terms.map((t) => [t, this.passages.filter((p) => this.has(p, t)).length]));
  }
  async matchedTerms(terms: readonly string[], passageIds: readonly number[]): Promise<Map<number, Set<string>>> {
    return new Map(
      this.passages.filter((p) => passageIds.includes(p.id)).map((p) => [p.id, new Set(terms.filter((t) => this.has(p, t)))]),
    );
  }
  async getPassages(ids: readonly number[]): Promise<StoredPassage[]> {
    return this.passages.filter((p) => ids.includes(p.id));
  }
  async passageIdsOf(paperId: string): Promise<number[]> {
    return this.passages.filter((p) => p.paperId === paperId).map((p) => p.id);
  }
  async getPaper(id: string): Promise<Paper | undefined> {
    return this.papers.get(id);
  }
  async getPapers(ids: readonly string[]): Promise<Map<string, Paper>> {
    return new Map(ids.flatMap((id) => (this.papers.has(id) ? [[id, this.papers.get(id) as Paper] as const] : [])));
  }
  async findPapers(): Promise<Paper[]> {
    return [];
  }
  async allPapers(): Promise<StoredPaper[]> {
    return [...this.papers.values()].map((p) => ({ ...p, addedAt: '2026-01-01T00:00:00.000Z' }));
  }
}

/** Exact cosine search over the vectors it was given (normalized on the way in). */
export class MemoryVectorIndex implements VectorIndex {
  private readonly vectors: Map<number, number[]>;

  constructor(
    readonly dims: number,
    vectors: ReadonlyMap<number, readonly number[]>,
  ) {
    this.vectors = new Map([...vectors].map(([label, v]) => [label, unit(v)]));
  }

  get size(): number {
    return this.vectors.size;
  }
  async search(vector: readonly number[], k: number): Promise<VectorHit[]> {
    const query = unit(vector);
    return [...this.vectors]
      .map(([label, v]) => ({ label, similarity: v.reduce((s, x, i) => s + x * (query[i] ?? 0), 0) }))
      .sort((a, b) => b.similarity - a.similarity || a.label - b.label)
      .slice(0, k);
  }
  async getVector(label: number): Promise<number[] | undefined> {
    return this.vectors.get(label);
  }
}

function unit(v: readonly number[]): number[] {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
