/**
 * The similarity and selection under the digest's picks: how alike two papers are (the cosine of their
 * vectors, or the overlap of their abstracts' words without vectors) and greedy maximal marginal relevance
 * (MMR), which picks relevant papers that are unlike the ones already picked.
 */
import { contentTerms } from '../text.ts';
import type { DigestCandidate, PaperEmbeddings } from './pick-papers.ts';

/** A paper in the running, with its position in the corpus (the tie-break) and its score for MMR. */
export interface MmrCandidate<P> {
  paper: P;
  position: number;
  /** What MMR maximizes besides diversity: topic relevance (0..1) plus the channel's vote affinity. */
  score: number;
}

export type PaperSimilarity = (a: DigestCandidate, b: DigestCandidate) => number;

/** Cosine of the paper vectors when both exist, else Jaccard overlap of the abstracts' content words. */
export function paperSimilarity(embeddings: PaperEmbeddings | undefined): PaperSimilarity {
  const vectorOf = embeddings === undefined ? () => undefined : typeof embeddings === 'function' ? embeddings : (id: string) => embeddings.get(id);
  const vectors = new Map<string, readonly number[] | undefined>();
  const words = new Map<string, Set<string>>();
  const vector = (p: DigestCandidate) => {
    if (!vectors.has(p.id)) vectors.set(p.id, vectorOf(p.id));
    return vectors.get(p.id);
  };
  const wordsOf = (p: DigestCandidate) => {
    let set = words.get(p.id);
    if (set === undefined) words.set(p.id, (set = new Set(contentTerms(p.abstract))));
    return set;
  };
  return (a, b) => {
    const va = vector(a);
    const vb = vector(b);
    if (va !== undefined && vb !== undefined && va.length === vb.length && va.length > 0) return cosine(va, vb);
    return jaccard(wordsOf(a), wordsOf(b));
  };
}

/**
 * Greedy MMR: repeatedly the candidate maximizing λ·score − (1−λ)·(max similarity to anything picked
 * so far, today's earlier picks included). Ties go to the earlier corpus position.
 */
export function selectMmr<C extends MmrCandidate<DigestCandidate>>(
  pool: C[],
  k: number,
  alreadyPicked: readonly C[],
  lambda: number,
  similarity: PaperSimilarity,
): C[] {
  const remaining = [...pool];
  const chosen: C[] = [];
  // Each candidate's highest similarity to the picks so far (0 while there are none), updated as picks are made.
  const maxSim = new Map<string, number>();
  for (const c of remaining) {
    let sim = -Infinity;
    for (const p of alreadyPicked) sim = Math.max(sim, similarity(c.paper, p.paper));
    maxSim.set(c.paper.id, sim);
  }
  while (chosen.length < k && remaining.length > 0) {
    let bestIndex = 0;
    let bestScore = -Infinity;
    remaining.forEach((c, i) => {
      const sim = maxSim.get(c.paper.id) ?? -Infinity;
      const score = lambda * c.score - (1 - lambda) * (sim === -Infinity ? 0 : sim);
      const bestSoFar = remaining[bestIndex];
      // Scores within rounding of each other are a tie: the earlier corpus position wins.
      if (score > bestScore + 1e-12 || (Math.abs(score - bestScore) <= 1e-12 && bestSoFar !== undefined && c.position < bestSoFar.position)) {
        bestIndex = i;
        bestScore = score;
      }
    });
    const [next] = remaining.splice(bestIndex, 1);
    if (next === undefined) break;
    chosen.push(next);
    for (const c of remaining) maxSim.set(c.paper.id, Math.max(maxSim.get(c.paper.id) ?? -Infinity, similarity(c.paper, next.paper)));
  }
  return chosen;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}
