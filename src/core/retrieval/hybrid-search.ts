/**
 * Question → the passages to answer from. Dense (HNSW) and lexical (FTS5 BM25) candidates are fused by
 * reciprocal rank, capped per paper, then a relevance gate decides whether the corpus covers the question
 * at all. The gate is what keeps the bot from answering "What is the capital of Australia?" from papers on
 * pruning: without evidence it refuses, names the closest papers, and the LLM is never called.
 */
import type { Paper } from '../corpus/paper.ts';
import { contentTerms } from '../text.ts';
import type { Embedder } from './embedder.ts';
import { lexicalMatchTerms } from './lexical-query.ts';
import type { PaperStore, StoredPassage } from './paper-store.ts';
import type { VectorIndex } from './vector-index.ts';

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export interface RetrievalOptions {
  /** Passages to keep (the prompt's [1]..[k]). */
  topK: number;
  maxPassagesPerPaper: number;
  /** Candidates taken from each retriever before fusion. */
  candidates?: number;
  /** The RRF constant: larger flattens the difference between ranks. */
  rrfK?: number;
  /** Minimum IDF-weighted share of the question's terms found in the best passage. */
  gateMinCoverage: number;
  /** Minimum cosine similarity of the best dense hit; undefined: dense similarity alone never passes the gate. */
  gateMinSimilarity: number | undefined;
  /** Restrict to one retriever (evaluation); default: hybrid when vectors exist, else lexical. */
  mode?: RetrievalMode;
}

export interface RetrievedPassage {
  passage: StoredPassage;
  paper: Paper;
  /** Fused RRF score, higher is better. */
  score: number;
  similarity: number | null;
  bm25: number | null;
  /** IDF-weighted share of the question's content terms this passage contains (0..1). */
  coverage: number;
}

export interface GateDecision {
  passed: boolean;
  bestCoverage: number;
  bestSimilarity: number | null;
  /** One sentence on why, for logs and evaluation. */
  reason: string;
}

export interface Retrieval {
  question: string;
  mode: RetrievalMode;
  terms: string[];
  /** The passages to answer from (empty when the gate refused). */
  passages: RetrievedPassage[];
  gate: GateDecision;
  /** Closest papers regardless of the gate, best first (for refusals and "did you mean"). */
  closest: Paper[];
  /** Inverse document frequency of each question term, reused by extractive answers. */
  idf: Map<string, number>;
}

export interface SearchDependencies {
  store: PaperStore;
  /** Both or neither: dense retrieval needs the model that built the vectors. */
  vectors?: VectorIndex | undefined;
  embedder?: Embedder | undefined;
}

export async function retrieve(question: string, deps: SearchDependencies, options: RetrievalOptions): Promise<Retrieval> {
  const { store, vectors, embedder } = deps;
  const { topK, maxPassagesPerPaper, candidates = 20, rrfK = 60 } = options;
  const denseAvailable = vectors !== undefined && embedder !== undefined && vectors.size > 0;
  const mode: RetrievalMode = options.mode ?? (denseAvailable ? 'hybrid' : 'lexical');
  if (mode !== 'lexical' && !denseAvailable) throw new Error(`retrieval mode ${mode} needs an embedder and a vector index`);

  const terms = contentTerms(question);
  const lexical = mode === 'dense' ? [] : store.lexicalSearch(lexicalMatchTerms(question, terms, store), candidates);
  const dense = mode === 'lexical' || !denseAvailable ? [] : vectors.search(await embedder.embedQuery(question), candidates);

  const fused = new Map<number, { score: number; similarity: number | null; bm25: number | null }>();
  const entry = (id: number) => {
    let e = fused.get(id);
    if (e === undefined) fused.set(id, (e = { score: 0, similarity: null, bm25: null }));
    return e;
  };
  lexical.forEach((hit, rank) => {
    const e = entry(hit.id);
    e.score += 1 / (rrfK + rank + 1);
    e.bm25 = hit.score;
  });
  dense.forEach((hit, rank) => {
    const e = entry(hit.label);
    e.score += 1 / (rrfK + rank + 1);
    e.similarity = hit.similarity;
  });

  const ranked = [...fused.entries()].sort((a, b) => b[1].score - a[1].score);
  const storedById = new Map(store.getPassages(ranked.map(([id]) => id)).map((p) => [p.id, p]));
  const papers = store.getPapers([...storedById.values()].map((p) => p.paperId));

  const idf = inverseDocumentFrequencies(terms, store);
  const chosen: RetrievedPassage[] = [];
  const perPaper = new Map<string, number>();
  const closest: Paper[] = [];
  for (const [id, e] of ranked) {
    const passage = storedById.get(id);
    const paper = passage === undefined ? undefined : papers.get(passage.paperId);
    if (passage === undefined || paper === undefined) continue;
    if (!closest.some((p) => p.id === paper.id) && closest.length < 3) closest.push(paper);
    if (chosen.length >= topK) continue;
    const used = perPaper.get(paper.id) ?? 0;
    if (used >= maxPassagesPerPaper) continue;
    perPaper.set(paper.id, used + 1);
    chosen.push({ passage, paper, score: e.score, similarity: e.similarity, bm25: e.bm25, coverage: 0 });
  }

  const matched = store.matchedTerms(terms, chosen.map((c) => c.passage.id));
  for (const c of chosen) c.coverage = coverage(terms, matched.get(c.passage.id) ?? new Set(), idf);

  const gate = decideGate(chosen, options);
  const passages = gate.passed ? chosen.filter((c) => hasEvidence(c, options)) : [];
  return { question, mode, terms, passages, gate, closest, idf };
}

/** BM25-style IDF; a term the corpus has never seen gets the highest weight, which is what makes it count against coverage. */
export function inverseDocumentFrequencies(terms: readonly string[], store: Pick<PaperStore, 'documentFrequencies' | 'counts'>): Map<string, number> {
  const n = store.counts().passages;
  const frequencies = store.documentFrequencies(terms);
  return new Map(terms.map((t) => {
    const df = frequencies.get(t) ?? 0;
    return [t, Math.log(1 + (n - df + 0.5) / (df + 0.5))];
  }));
}

export function coverage(terms: readonly string[], matched: ReadonlySet<string>, idf: ReadonlyMap<string, number>): number {
  let total = 0;
  let found = 0;
  for (const t of terms) {
    const w = idf.get(t) ?? 0;
    total += w;
    if (matched.has(t)) found += w;
  }
  return total === 0 ? 0 : found / total;
}

export function decideGate(passages: readonly Pick<RetrievedPassage, 'coverage' | 'similarity'>[], options: Pick<RetrievalOptions, 'gateMinCoverage' | 'gateMinSimilarity'>): GateDecision {
  const bestCoverage = Math.max(0, ...passages.map((p) => p.coverage));
  const similarities = passages.map((p) => p.similarity).filter((s): s is number => s !== null);
  const bestSimilarity = similarities.length > 0 ? Math.max(...similarities) : null;
  if (passages.length === 0) return { passed: false, bestCoverage, bestSimilarity, reason: 'no passage matched the question' };
  if (bestCoverage >= options.gateMinCoverage) {
    return { passed: true, bestCoverage, bestSimilarity, reason: `coverage ${bestCoverage.toFixed(2)} ≥ ${options.gateMinCoverage}` };
  }
  if (options.gateMinSimilarity !== undefined && bestSimilarity !== null && bestSimilarity >= options.gateMinSimilarity) {
    return { passed: true, bestCoverage, bestSimilarity, reason: `similarity ${bestSimilarity.toFixed(2)} ≥ ${options.gateMinSimilarity}` };
  }
  return {
    passed: false,
    bestCoverage,
    bestSimilarity,
    reason: `coverage ${bestCoverage.toFixed(2)} < ${options.gateMinCoverage}${bestSimilarity === null ? '' : `, similarity ${bestSimilarity.toFixed(2)} below the gate`}`,
  };
}

/** After the gate passed, passages with no evidence of their own are noise for the prompt. */
function hasEvidence(p: RetrievedPassage, options: Pick<RetrievalOptions, 'gateMinCoverage' | 'gateMinSimilarity'>): boolean {
  if (p.coverage >= options.gateMinCoverage / 2) return true;
  return options.gateMinSimilarity !== undefined && p.similarity !== null && p.similarity >= options.gateMinSimilarity - 0.05;
}
