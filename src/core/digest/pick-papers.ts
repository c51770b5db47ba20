/**
 * Which papers a channel's digest shows today, as a pure function of the corpus, the channel's history, the
 * topic and `now`. Papers added to the corpus since the channel's last digest come first ("new"); the rest of
 * the day's slots go to papers not yet featured in the current round, ranked by relevance to the topic when
 * one is set and spread out by maximal marginal relevance (MMR) over paper embeddings, or over the words of
 * the abstracts when there are none. No paper is featured twice in a round; when every paper has been, a new
 * round starts and the result says so. Equal inputs give equal picks: every tie is broken by corpus position.
 */
import type { ChannelVote } from './digest-votes.ts';
import { voteAffinities, votedPapers, type Affinity } from './digest-votes.ts';
import { paperSimilarity, selectMmr, type MmrCandidate } from './mmr.ts';
import { scoreLookup, TOPIC_FLOOR, topicRelevance } from './topic-match.ts';

/** What the picker needs of a paper (StoredPaper from the index database has all of it). */
export interface DigestCandidate {
  id: string;
  abstract: string;
  /** When the paper first entered the index (ISO time). */
  addedAt: string;
  /** How the "why" line names a paper the channel upvoted (title, else label, else id). */
  title?: string | null;
  label?: string;
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
  /**
   * With a topic, how strongly each paper matches it, on an absolute 0..1 scale (retrieval's coverage): a new
   * paper is featured for being new only at `topicFloor` or above. Without it, the lexical share of the
   * topic's words when `relevance` is not given either, else the relevance divided by the best one.
   */
  topicMatch?: PaperScores | undefined;
  /** Default TOPIC_FLOOR (topic-match.ts, where it is measured). */
  topicFloor?: number | undefined;
  /** The channel's votes: papers like its upvoted ones rank higher, like its downvoted ones lower. */
  votes?: readonly ChannelVote[] | undefined;
  /** MMR trade-off: 1 = relevance only, 0 = diversity only. Default 0.7. */
  lambda?: number | undefined;
  /** At most this many candidates (the most relevant, else the first in corpus order) enter MMR. Default 200. */
  poolSize?: number | undefined;
}

export type DigestReason = 'new' | 'topic' | 'liked' | 'diverse';

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

interface Candidate<P> extends MmrCandidate<P> {
  /** Topic relevance divided by the best (0..1); `score` adds the vote affinity to it. */
  relevance: number;
  match: number;
  affinity: Affinity;
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
  const votes = options.votes ?? [];
  // Resolved once: each of the up to three pools below would otherwise index the whole corpus again.
  const voted = votedPapers(votes, eligible);
  const candidates: Candidate<P>[] = eligible.map((paper, position) => ({ paper, position, relevance: relevanceOf(paper), match: 0, score: 0, affinity: NO_AFFINITY }));
  let best = 0;
  for (const c of candidates) best = Math.max(best, c.relevance);
  for (const c of candidates) {
    // Without retrieval's scores, the share of the topic's words is already absolute: it is the match too.
    c.match = options.topicMatch === undefined ? (options.relevance === undefined ? c.relevance : c.relevance / (best || 1)) : NaN;
    c.relevance = best > 0 ? c.relevance / best : 0;
    c.score = c.relevance;
  }
  const matchOf = options.topicMatch !== undefined ? scoreLookup(options.topicMatch) : undefined;
  const floor = options.topicFloor ?? TOPIC_FLOOR;
  // With a topic, a new paper is featured first only when it is on the topic; the others compete like any paper.
  // The match is asked for new papers only: a lazy measure (retrieval's coverage) then scales with the day's papers.
  const featuredAsNew = (c: Candidate<P>) => {
    if (!isNew(c.paper)) return false;
    if (topic === null) return true;
    if (Number.isNaN(c.match)) c.match = matchOf?.(c.paper.id) ?? 0;
    return c.match >= floor;
  };
  /** The pool MMR looks at, with the votes' affinity added to each one's score (computed for the pool only). */
  const scoredPool = (pool: Candidate<P>[], fresh: boolean): Candidate<P>[] => {
    const chosen = rankedPool(pool, topic !== null, fresh, poolSize);
    if (votes.length === 0) return chosen;
    const affinityOf = voteAffinities(voted, chosen.map((c) => c.paper), similarity);
    return chosen.map((c) => {
      const affinity = affinityOf(c.paper);
      return { ...c, affinity, score: c.relevance + affinity.boost };
    });
  };

  let cycleRestarted = false;
  let unfeatured = candidates.filter((c) => !round.has(c.paper.id));
  if (unfeatured.length === 0) {
    cycleRestarted = true;
    unfeatured = candidates;
  }

  const picked: Candidate<P>[] = [];
  const entries: DigestEntry<P>[] = [];
  const take = (pool: Candidate<P>[], restarted: boolean, fresh: boolean) => {
    const chosen = selectMmr(scoredPool(pool, fresh), count - entries.length, picked, lambda, similarity);
    for (const c of chosen) {
      entries.push({ paper: c.paper, ...explain(c, { fresh, topic, restarted, seenBefore: everFeatured.has(c.paper.id), hasOthers: picked.length > 0 }) });
      picked.push(c);
    }
  };

  take(unfeatured.filter(featuredAsNew), cycleRestarted, true);
  take(unfeatured.filter((c) => !featuredAsNew(c)), cycleRestarted, false);
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

const NO_AFFINITY: Affinity = { boost: 0, likeTitle: null };

/**
 * The candidates MMR looks at: all of them if few, else the most relevant (with a topic), the newest (new
 * papers without a topic: a flood of them is read newest first) or the first in corpus order.
 */
function rankedPool<P extends DigestCandidate>(pool: Candidate<P>[], byRelevance: boolean, newestFirst: boolean, poolSize: number): Candidate<P>[] {
  if (pool.length <= poolSize) return pool;
  const ordered = byRelevance
    ? [...pool].sort((a, b) => b.relevance - a.relevance || a.position - b.position)
    : newestFirst
      ? [...pool].sort((a, b) => Date.parse(b.paper.addedAt) - Date.parse(a.paper.addedAt) || a.position - b.position)
      : pool;
  return ordered.slice(0, poolSize);
}

function explain(
  c: Candidate<unknown>,
  { fresh, topic, restarted, seenBefore, hasOthers }: { fresh: boolean; topic: string | null; restarted: boolean; seenBefore: boolean; hasOthers: boolean },
): { reason: DigestReason; why: string } {
  const like = c.affinity.likeTitle === null ? '' : `; like papers this channel upvoted: ${c.affinity.likeTitle}`;
  if (fresh) return { reason: 'new', why: `${topic === null ? WHY_NEW : `${WHY_NEW}, on the topic “${topic}”`}${like}` };
  if (topic !== null && c.relevance > 0) return { reason: 'topic', why: `relevant to the topic “${topic}”${like}` };
  if (like !== '') return { reason: 'liked', why: like.slice(2) };
  const notYet = restarted || seenBefore ? 'not featured in this round yet' : 'not featured in this channel yet';
  return { reason: 'diverse', why: hasOthers ? `${notYet}, and unlike the papers above` : notYet };
}

