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
import { decideGate, questionEvidence, specificMaxDf, type GateDecision, type GateThresholdOptions } from './relevance-gate.ts';

export { decideGate, type GateDecision } from './relevance-gate.ts';

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export interface RetrievalOptions extends GateThresholdOptions {
  /** Passages to keep (the prompt's [1]..[k]). */
  topK: number;
  maxPassagesPerPaper: number;
  /** Candidates taken from each retriever before fusion. */
  candidates?: number;
  /** The RRF constant: larger flattens the difference between ranks. */
  rrfK?: number;
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
  /** Question terms this passage contains that are specific in the corpus (relevance-gate.ts). */
  specificMatches?: number;
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
  // Read once: the lexical match set, the IDF and the gate's specific terms all need these counts.
  const frequencies = await store.documentFrequencies(terms);
  const lexical = mode === 'dense' ? [] : await store.lexicalSearch(lexicalMatchTerms(question, terms, frequencies), candidates);
  const dense = mode === 'lexical' || !denseAvailable ? [] : await vectors.search(await embedder.embedQuery(question), candidates);

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
  const storedById = new Map((await store.getPassages(ranked.map(([id]) => id))).map((p) => [p.id, p]));
  const papers = await store.getPapers([...storedById.values()].map((p) => p.paperId));

  const corpusPassages = (await store.counts()).passages;
  const idf = idfOf(terms, frequencies, corpusPassages);
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

  const matched = await store.matchedTerms(terms, chosen.map((c) => c.passage.id));
  const specificDf = specificMaxDf(corpusPassages);
  let bestMatched: ReadonlySet<string> = new Set();
  let bestText: string | null = null;
  let best = -1;
  for (const c of chosen) {
    const found = matched.get(c.passage.id) ?? new Set<string>();
    c.coverage = coverage(terms, found, idf);
    c.specificMatches = [...found].filter((t) => (frequencies.get(t) ?? 0) <= specificDf).length;
    if (c.coverage > best) [best, bestMatched, bestText] = [c.coverage, found, c.passage.text];
  }

  const evidence = questionEvidence({
    terms,
    documentFrequencies: frequencies,
    corpusPassages,
    bestMatched,
    lexicalScores: lexical.map((h) => h.score),
    denseSimilarities: dense.map((h) => h.similarity),
    bestText,
  });
  const gate = decideGate(chosen, options, evidence);
  const passages = gate.passed ? chosen.filter((c) => hasEvidence(c, gate, options)) : [];
  return { question, mode, terms, passages, gate, closest, idf };
}

/** BM25-style IDF; a term the corpus has never seen gets the highest weight, which is what makes it count against coverage. */
export async function inverseDocumentFrequencies(terms: readonly string[], store: Pick<PaperStore, 'documentFrequencies' | 'counts'>): Promise<Map<string, number>> {
  return idfOf(terms, await store.documentFrequencies(terms), (await store.counts()).passages);
}

function idfOf(terms: readonly string[], frequencies: ReadonlyMap<string, number>, n: number): Map<string, number> {
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

/**
 * After the gate passed, passages with no evidence of their own are noise for the prompt; the best-covering
 * passage always stays (a paraphrase can pass on specific terms with less than half the coverage threshold).
 */
function hasEvidence(p: RetrievedPassage, gate: GateDecision, options: Pick<RetrievalOptions, 'gateMinCoverage' | 'gateMinSimilarity'>): boolean {
  if (p.coverage >= options.gateMinCoverage / 2 || (p.coverage > 0 && p.coverage >= gate.bestCoverage)) return true;
  return options.gateMinSimilarity !== undefined && p.similarity !== null && p.similarity >= options.gateMinSimilarity - 0.05;
}
