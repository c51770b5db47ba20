/**
 * Which papers a channel's digest shows today, as a pure function of the corpus, the channel's history, the
 * topic and `now`. Papers added to the corpus since the channel's last digest come first ("new"); the rest of
 * the day's slots go to papers not yet featured in the current round, ranked by relevance to the topic when
 * one is set and spread out by maximal marginal relevance (MMR) over paper embeddings, or over the words of
 * the abstracts when there are none. No paper is featured twice in a round; when every paper has been, a new
 * round starts and the result says so. Equal inputs give equal picks: every tie is broken by corpus position.
 */
import { contentTerms } from '../text.ts';

/** What the picker needs of a paper (StoredPaper from the index database has all of it). */
export interface DigestCandidate {
  id: string;
  abstract: string;
  /** When the paper first entered the index (ISO time). */
  addedAt: string;
}

/** One earlier digest of this channel. */
export interface DigestHistoryPost {
  /** The papers it showed, in the order of its entries (that order tells where a new round began). */
  paperIds: readonly string[];
}

/**
 * How relevant each paper is to the topic, higher is better, on any scale (scores are divided by the best
 * one); 0, negative or undefined means "not relevant". Retrieval is asynchronous and the picker is not, so
 * the caller computes the scores first, e.g. `Assistant.digestCandidates(topic)` (retrieval's fused scores
 * of the papers that pass the relevance gate).
 */
export type PaperScores = ReadonlyMap<string, number> | ((paperId: string) => number | undefined);

/**
 * One vector per paper (e.g. the centroid of its passage embeddings), for MMR's similarity between papers.
 * A function lets a large corpus be read lazily: only papers the picker considers are looked up.
 */
export type PaperEmbeddings = ReadonlyMap<string, readonly number[]> | ((paperId: string) => readonly number[] | undefined);

export interface PickDigestOptions<P extends DigestCandidate> {
  /** Every paper of the corpus, in corpus order (the tie-break). */
  papers: readonly P[];
  /**
   * This channel's earlier digests, oldest first: all of them, or at least those of the current round.
   * Rounds are read from the history itself (a round ends where a paper comes again), so nothing but the
   * papers of each post, in entry order, needs storing.
   */
  history: readonly DigestHistoryPost[];
  /** The subscription's topic query, if any. */
  topic?: string | null | undefined;
  /** Papers per digest (at least 1). */
  count: number;
  /** Papers whose `addedAt` is after `now` are not in the corpus yet, as far as this pick is concerned. */
  now: Date;
  /** When this channel's last digest was posted; null for its first digest (then nothing counts as new). */
  lastPostAt: Date | null;
  /** Paper vectors for MMR; without them, similarity is the Jaccard overlap of the abstracts' content words. */
  embeddings?: PaperEmbeddings | undefined;
  /** Topic relevance; without it (and with a topic), the share of the topic's words found in the abstract. */
  relevance?: PaperScores | undefined;
  /** MMR trade-off: 1 = relevance only, 0 = diversity only. Default 0.7. */
  lambda?: number | undefined;
  /** At most this many candidates (the most relevant, else the first in corpus order) enter MMR. Default 200. */
  poolSize?: number | undefined;
}

export type DigestReason = 'new' | 'topic' | 'diverse';

export interface DigestEntry<P extends DigestCandidate> {
  paper: P;
  reason: DigestReason;
  /** Why it was picked, a phrase for the reader ("added since the last digest"). */
  why: string;
}

export interface DigestPick<P extends DigestCandidate> {
  entries: DigestEntry<P>[];
  /** Every paper had been featured, so this digest starts a new round (its message says so). */
  cycleRestarted: boolean;
  /** Nothing to show (no paper in the corpus yet): post the short "nothing new today" message. */
  nothingNew: boolean;
}

export const DEFAULT_MMR_LAMBDA = 0.7;
export const DEFAULT_POOL_SIZE = 200;

export const WHY_NEW = 'added since the last digest';

interface Candidate<P> {
  paper: P;
  position: number;
  relevance: number;
}

export function pickDigest<P extends DigestCandidate>(options: PickDigestOptions<P>): DigestPick<P> {
  const { papers, history, count, now, lastPostAt, lambda = DEFAULT_MMR_LAMBDA, poolSize = DEFAULT_POOL_SIZE } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a whole number of at least 1, not ${count}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`lambda must be between 0 and 1, not ${lambda}`);
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`poolSize must be a whole number of at least 1, not ${poolSize}`);
  const topic = options.topic?.trim() || null;

  const eligible = papers.filter((p) => !(Date.parse(p.addedAt) > now.getTime()));
  if (eligible.length === 0) return { entries: [], cycleRestarted: false, nothingNew: true };

  const round = currentRound(history);
  const everFeatured = new Set(history.flatMap((post) => post.paperIds));
  const isNew = (p: P) => lastPostAt !== null && Date.parse(p.addedAt) > lastPostAt.getTime();

  const relevanceOf = topicRelevance(topic, options.relevance);
  const similarity = paperSimilarity(options.embeddings);
  const candidates: Candidate<P>[] = eligible.map((paper, position) => ({ paper, position, relevance: relevanceOf(paper) }));
  let best = 0;
  for (const c of candidates) best = Math.max(best, c.relevance);
  for (const c of candidates) c.relevance = best > 0 ? c.relevance / best : 0;

  let cycleRestarted = false;
  let unfeatured = candidates.filter((c) => !round.has(c.paper.id));
  if (unfeatured.length === 0) {
    cycleRestarted = true;
    unfeatured = candidates;
  }

  const picked: Candidate<P>[] = [];
  const entries: DigestEntry<P>[] = [];
  const take = (pool: Candidate<P>[], restarted: boolean, fresh: boolean) => {
    const chosen = selectMmr(rankedPool(pool, topic !== null, poolSize), count - entries.length, picked, lambda, similarity);
    for (const c of chosen) {
      entries.push({ paper: c.paper, ...explain(c, { fresh, topic, restarted, seenBefore: everFeatured.has(c.paper.id), hasOthers: picked.length > 0 }) });
      picked.push(c);
    }
  };

  take(unfeatured.filter((c) => isNew(c.paper)), cycleRestarted, true);
  take(unfeatured.filter((c) => !isNew(c.paper)), cycleRestarted, false);
  if (entries.length < count && !cycleRestarted) {
    // The round ran out part way: finish it with what was left and fill up from a new round.
    const shown = new Set(picked.map((c) => c.paper.id));
    const rest = candidates.filter((c) => !shown.has(c.paper.id));
    if (rest.length > 0) {
      cycleRestarted = true;
      take(rest, true, false);
    }
  }
  return { entries, cycleRestarted, nothingNew: false };
}

/**
 * The ids featured in the current round, replaying the history: a paper shown again means a new round began
 * at that entry. A digest that finished one round and filled up from the next lists the old round's papers
 * first, so the replay splits it where the picker did: the papers that closed the old round are not counted
 * in the new one, and take their turn in it like every other paper.
 */
function currentRound(history: readonly DigestHistoryPost[]): Set<string> {
  let round = new Set<string>();
  for (const post of history) {
    for (const id of post.paperIds) {
      if (round.has(id)) round = new Set();
      round.add(id);
    }
  }
  return round;
}

function topicRelevance<P extends DigestCandidate>(topic: string | null, scores: PaperScores | undefined): (paper: P) => number {
  if (topic === null) return () => 0;
  if (scores !== undefined) {
    const lookup = typeof scores === 'function' ? scores : (id: string) => scores.get(id);
    return (paper) => {
      const s = lookup(paper.id);
      return s !== undefined && Number.isFinite(s) && s > 0 ? s : 0;
    };
  }
  // One regex per topic word, matching words that start with its stem ("adversarial" ~ "adversary").
  // Tokenizing every abstract, or lower-casing it for a Unicode regex, costs seconds at 100k papers, so ASCII
  // stems (nearly all) use a plain case-insensitive \b regex; other scripts take the slower exact path.
  const stems = contentTerms(topic).map((t) => {
    const stem = t.length < 4 ? t : t.slice(0, Math.max(4, Math.ceil(t.length * 0.7)));
    if (/^[a-z0-9]+$/.test(stem)) return { ascii: true, re: new RegExp(`\\b${stem}${t.length < 4 ? '\\b' : ''}`, 'i') };
    return { ascii: false, re: new RegExp(`(?<![\\p{L}\\p{N}])${stem}${t.length < 4 ? '(?![\\p{L}\\p{N}])' : ''}`, 'u') };
  });
  if (stems.length === 0) return () => 0;
  const needsLower = stems.some((s) => !s.ascii);
  return (paper) => {
    const lower = needsLower ? paper.abstract.toLowerCase() : '';
    return stems.filter((s) => s.re.test(s.ascii ? paper.abstract : lower)).length / stems.length;
  };
}

/** Cosine of the paper vectors when both exist, else Jaccard overlap of the abstracts' content words. */
function paperSimilarity(embeddings: PaperEmbeddings | undefined): (a: DigestCandidate, b: DigestCandidate) => number {
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

/** The candidates MMR looks at: all of them if few, else the most relevant (with a topic) or the first in corpus order. */
function rankedPool<P>(pool: Candidate<P>[], byRelevance: boolean, poolSize: number): Candidate<P>[] {
  const ordered = byRelevance ? [...pool].sort((a, b) => b.relevance - a.relevance || a.position - b.position) : pool;
  return ordered.slice(0, poolSize);
}

/**
 * Greedy MMR: repeatedly the candidate maximizing λ·relevance − (1−λ)·(max similarity to anything picked
 * so far, today's earlier picks included). Ties go to the earlier corpus position.
 */
function selectMmr<P extends DigestCandidate>(
  pool: Candidate<P>[],
  k: number,
  alreadyPicked: readonly Candidate<P>[],
  lambda: number,
  similarity: (a: DigestCandidate, b: DigestCandidate) => number,
): Candidate<P>[] {
  const remaining = [...pool];
  const chosen: Candidate<P>[] = [];
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
      const score = lambda * c.relevance - (1 - lambda) * (sim === -Infinity ? 0 : sim);
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

function explain(
  c: Candidate<unknown>,
  { fresh, topic, restarted, seenBefore, hasOthers }: { fresh: boolean; topic: string | null; restarted: boolean; seenBefore: boolean; hasOthers: boolean },
): { reason: DigestReason; why: string } {
  if (fresh) return { reason: 'new', why: WHY_NEW };
  if (topic !== null && c.relevance > 0) return { reason: 'topic', why: `relevant to the topic “${topic}”` };
  const notYet = restarted || seenBefore ? 'not featured in this round yet' : 'not featured in this channel yet';
  return { reason: 'diverse', why: hasOthers ? `${notYet}, and unlike the papers above` : notYet };
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
