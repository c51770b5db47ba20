/**
 * What the bot keeps about its answers: each answer it gave (so a vote can be read against what was said)
 * and the 👍/👎 votes on it, one per user per answer. `FeedbackStore` is the port; the SQLite implementation
 * is src/adapters/store/sqlite-feedback-store.ts.
 */
import type { Awaitable } from '../awaitable.ts';
import type { EvidenceQuote } from './answer-evidence.ts';

export type Vote = 'up' | 'down';

export interface StoredAnswer {
  id: string;
  createdAt: string;
  /** Where it was asked: 'slash', 'mention', 'thread' or 'dm'. */
  source: string;
  guildId: string | null;
  channelId: string | null;
  mode: string;
  question: string;
  answer: string;
  /** Papers cited, in citation order. */
  paperIds: string[];
  /** The quoted passages behind each citation (answer-evidence.ts), stored with the answer; read back with `evidence(id)`. */
  evidence?: EvidenceQuote[];
}

export interface FeedbackVote {
  answerId: string;
  userId: string;
  vote: Vote;
  votedAt: string;
}

export interface FeedbackSummary {
  up: number;
  down: number;
}

export interface FeedbackStore {
  /** Stores an answer; the same id again replaces it. */
  recordAnswer(answer: StoredAnswer): Awaitable<void>;
  getAnswer(id: string): Awaitable<StoredAnswer | undefined>;
  /** The evidence stored with answer `id`; undefined when none was (an unknown answer, or one stored before evidence was kept). */
  evidence(answerId: string): Awaitable<EvidenceQuote[] | undefined>;
  /** Stores a vote; a second vote by the same user on the same answer replaces the first. Returns the replaced vote. */
  recordVote(vote: FeedbackVote): Awaitable<{ previous: Vote | null }>;
  /** The votes on an answer, oldest first. */
  votes(answerId: string): Awaitable<FeedbackVote[]>;
  feedbackSummary(answerId: string): Awaitable<FeedbackSummary>;
}
