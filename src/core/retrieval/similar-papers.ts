/**
 * Papers like a given one (`/similar`, the terminal's `similar`), and the one vector that stands for a paper
 * (its passages' centroid), which the digest also compares papers by. With vectors: the nearest passages to
 * the paper's centroid, one hit per paper; without: the paper's most distinctive words as a lexical query,
 * chosen by the same term budget as a question's (lexical-query.ts), so that /similar at 100k costs what
 * its rare words cost and not a scan of every passage holding "learning".
 */
import type { Paper } from '../corpus/paper.ts';
import { contentTerms } from '../text.ts';
import { lexicalMatchTerms } from './lexical-query.ts';
import type { PaperStore } from './paper-store.ts';
import type { VectorIndex } from './vector-index.ts';

export interface SimilarPaper {
  paper: Paper;
  /** Cosine similarity when vectors exist; null for lexical similarity. */
  similarity: number | null;
}

export interface SimilarPapersDependencies {
  store: PaperStore;
  /** null: the index has no vectors (or no model to read them with), so similarity is lexical. */
  vectors: VectorIndex | null;
}

/** At most this many of an abstract's words make its lexical query (a question gets 8: an abstract says more). */
const DISTINCTIVE_TERMS = 16;

/** The unit-length mean of a paper's passage vectors, or undefined when it has none. */
export async function paperCentroid(paperId: string, { store, vectors }: { store: Pick<PaperStore, 'passageIdsOf'>; vectors: VectorIndex }): Promise<number[] | undefined> {
  const own: number[][] = [];
  for (const id of await store.passageIdsOf(paperId)) {
    const v = await vectors.getVector(id);
    if (v !== undefined) own.push(v);
  }
  if (own.length === 0) return undefined;
  const sum = own.reduce((acc, v) => acc.map((x, i) => x + (v[i] ?? 0)), new Array<number>(vectors.dims).fill(0));
  const norm = Math.sqrt(sum.reduce((s, x) => s + x * x, 0)) || 1;
  return sum.map((x) => x / norm);
}

/** The `k` papers nearest to `paperId`, never itself, best first; empty for an unknown paper. */
export async function similarPapers(paperId: string, k: number, { store, vectors }: SimilarPapersDependencies): Promise<SimilarPaper[]> {
  const paper = await store.getPaper(paperId);
  if (paper === undefined) return [];
  const centroid = vectors === null ? undefined : await paperCentroid(paperId, { store, vectors });
  if (vectors !== null && centroid !== undefined) return nearestByVector(paperId, k, centroid, store, vectors);
  return nearestByWords(paper, k, store);
}

async function nearestByVector(paperId: string, k: number, centroid: number[], store: PaperStore, vectors: VectorIndex): Promise<SimilarPaper[]> {
  // Several passages of one paper can be near each other: ask for more hits than papers wanted.
  const hits = await vectors.search(centroid, (k + 1) * 4);
  const paperOf = new Map((await store.getPassages(hits.map((h) => h.label))).map((p) => [p.id, p.paperId]));
  const scores = new Map<string, number>();
  for (const hit of hits) {
    const id = paperOf.get(hit.label);
    if (id === undefined || id === paperId || scores.has(id)) continue;
    scores.set(id, hit.similarity);
  }
  const papers = await store.getPapers([...scores.keys()]);
  return [...scores.entries()].slice(0, k).flatMap(([id, similarity]) => {
    const p = papers.get(id);
    return p === undefined ? [] : [{ paper: p, similarity }];
  });
}

async function nearestByWords(paper: Paper, k: number, store: PaperStore): Promise<SimilarPaper[]> {
  const terms = contentTerms(paper.abstract);
  // A word found in no passage but the paper's own can only find the paper itself: not worth a posting.
  const own = (await store.passageIdsOf(paper.id)).length;
  const df = await store.documentFrequencies(terms);
  const shared = terms.filter((t) => (df.get(t) ?? 0) > own);
  // No names kept regardless: an abstract can hold many acronyms, and here they only rank, they are not asked for.
  // `df` already counts every term of `shared`: no second read of the index.
  const distinctive = lexicalMatchTerms('', shared, df, { maxTerms: DISTINCTIVE_TERMS });
  const ids: string[] = [];
  for (const hit of await store.lexicalSearch(distinctive, (k + 1) * 4)) {
    if (hit.paperId !== paper.id && !ids.includes(hit.paperId)) ids.push(hit.paperId);
  }
  const papers = await store.getPapers(ids);
  return ids.flatMap((id) => {
    const p = papers.get(id);
    return p === undefined ? [] : [{ paper: p, similarity: null }];
  }).slice(0, k);
}
