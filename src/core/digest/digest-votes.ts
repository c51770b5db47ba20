/**
 * 👍/👎 on a channel's digest entries, and how they shape that channel's next digests: a paper like the ones
 * the channel upvoted ranks higher, one like those it downvoted lower ("like" = the picker's similarity:
 * the cosine of paper vectors, or the overlap of the abstracts' words in lexical mode). `DigestVoteStore`
 * is the port (SQLite: src/adapters/store/sqlite-digest-vote-store.ts); `voteAffinity` is pure.
 */
import type { Awaitable } from '../awaitable.ts';
import type { Vote } from '../feedback/feedback-store.ts';
import type { PaperSimilarity } from './mmr.ts';
import type { DigestCandidate } from './pick-papers.ts';

export interface DigestVoteInput {
  channelId: string;
  paperId: string;
  userId: string;
  vote: Vote;
  votedAt: string;
}

/** A channel's verdict on a paper: its 👍 minus its 👎 (papers at 0 are left out). */
export interface ChannelVote {
  paperId: string;
  score: number;
}

export interface DigestVoteStore {
  /** The papers of the channel's digest for that local date, in entry order; undefined when there was none. */
  postedPapers(channelId: string, localDate: string): Awaitable<string[] | undefined>;
  /** One vote per person per paper per channel: a second vote replaces the first. */
  recordVote(vote: DigestVoteInput): Awaitable<{ previous: Vote | null }>;
  channelVotes(channelId: string): Awaitable<ChannelVote[]>;
  /** How many 👍 and 👎 the channel's digest entries have, for `/digest status`. */
  tally(channelId: string): Awaitable<{ up: number; down: number }>;
}

/**
 * How far the channel's votes move a paper, against topic relevance on a 0..1 scale: the pool's paper most
 * like its upvoted papers (or most like its downvoted ones) moves by this much, the others in proportion.
 * Scaled to the pool because similarity scales differ: word overlap between two abstracts on one subject is
 * about 0.1 (median 0.035, measured on real abstracts), the cosine of embeddings several times that.
 */
export const VOTE_WEIGHT = 0.5;
/** The boost (in relevance units) from which the entry's "why" names the upvoted paper it is like. */
export const LIKE_MARGIN = 0.05;

export interface Affinity {
  /** Added to the paper's relevance: its similarity to the closest upvoted minus to the closest downvoted paper, scaled (VOTE_WEIGHT). */
  boost: number;
  /** The upvoted paper it is most like, when that is why it ranks higher. */
  likeTitle: string | null;
}

const NONE: Affinity = { boost: 0, likeTitle: null };

/** The channel's upvoted and downvoted papers that are still in the corpus. */
export interface VotedPapers<P> {
  up: readonly P[];
  down: readonly P[];
}

/** The papers of `votes` found in `papers` (votes on papers no longer there are ignored), resolved once per pick. */
export function votedPapers<P extends DigestCandidate>(votes: readonly ChannelVote[], papers: readonly P[]): VotedPapers<P> {
  // No votes (most channels): the corpus is not indexed at all.
  if (votes.length === 0) return { up: [], down: [] };
  const byId = new Map(papers.map((p) => [p.id, p]));
  const up: P[] = [];
  const down: P[] = [];
  for (const v of votes) {
    const paper = byId.get(v.paperId);
    if (paper !== undefined && v.score !== 0) (v.score > 0 ? up : down).push(paper);
  }
  return { up, down };
}

/**
 * The affinity of each paper of `pool` (the candidates MMR looks at; computed for them only, so a large
 * corpus is not compared whole) to the channel's voted papers; a voted paper gets no affinity to itself.
 * The "why" names the upvoted paper only for the papers it lifts most: a boost of at least LIKE_MARGIN and
 * at least half the pool's largest.
 */
export function voteAffinities<P extends DigestCandidate>({ up, down }: VotedPapers<P>, pool: readonly P[], similarity: PaperSimilarity): (paper: P) => Affinity {
  if (up.length === 0 && down.length === 0) return () => NONE;
  const raw = new Map<string, { lean: number; liked: P | undefined }>();
  let scale = 0;
  for (const paper of pool) {
    let bestUp = 0;
    let liked: P | undefined;
    for (const u of up) {
      const sim = u.id === paper.id ? 0 : similarity(paper, u);
      if (sim > bestUp) [bestUp, liked] = [sim, u];
    }
    let bestDown = 0;
    for (const d of down) if (d.id !== paper.id) bestDown = Math.max(bestDown, similarity(paper, d));
    const lean = bestUp - bestDown;
    scale = Math.max(scale, Math.abs(lean));
    raw.set(paper.id, { lean, liked });
  }
  let largest = 0;
  const boostOf = (lean: number) => (scale > 0 ? (VOTE_WEIGHT * lean) / scale : 0);
  for (const r of raw.values()) largest = Math.max(largest, boostOf(r.lean));
  return (paper) => {
    const r = raw.get(paper.id);
    if (r === undefined) return NONE;
    const boost = boostOf(r.lean);
    const named = r.liked !== undefined && boost >= Math.max(LIKE_MARGIN, largest / 2);
    return { boost, likeTitle: named && r.liked !== undefined ? (r.liked.title ?? r.liked.label ?? r.liked.id) : null };
  };
}
