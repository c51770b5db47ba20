/**
 * The precious state as one port: every store the bot and the digests keep what they must not lose in
 * (answers and votes, digest subscriptions and posts, votes on digest entries, each server's settings, job
 * claims, rate-limit windows), opened together on one database and closed together. SQLite
 * (src/adapters/store/state-database.ts) and PostgreSQL (src/adapters/postgres/postgres-state-database.ts)
 * implement it; which one a process gets is decided in one place, src/adapters/create-backends.ts.
 */
import type { Awaitable } from './awaitable.ts';
import type { DigestStore } from './digest/digest-store.ts';
import type { DigestVoteStore } from './digest/digest-votes.ts';
import type { FeedbackStore } from './feedback/feedback-store.ts';
import type { JobClaimStore } from './jobs/job-runs.ts';
import type { RateLimitStore } from './rate-limit/rate-limit.ts';
import type { GuildSettingsStore } from './settings/guild-settings.ts';

export interface StateStores {
  /** Answers and the votes on them. */
  readonly feedback: FeedbackStore;
  /** Digest subscriptions and post records. */
  readonly digests: DigestStore;
  /** 👍/👎 on digest entries, per channel. */
  readonly digestVotes: DigestVoteStore;
  /** Each server's /settings. */
  readonly guildSettings: GuildSettingsStore;
  /** Which process runs a scheduled job's period (one claim per job and period). */
  readonly jobClaims: JobClaimStore;
  /** Each user's question window, counted across processes. */
  readonly rateLimits: RateLimitStore;
  /** The highest state migration applied. */
  schemaVersion(): Awaitable<number>;
  /** The names of the state's tables, sorted (what the migrations created). */
  tables(): Awaitable<string[]>;
  /** Closes the database (the pool, on PostgreSQL); the stores are unusable after. */
  close(): Awaitable<void>;
}
