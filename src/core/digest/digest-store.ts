/**
 * What the daily digest keeps: one subscription per channel, and one post record per channel and local day.
 * The post record is the idempotency key of a day's digest: claimed before anything is sent, it is what
 * makes a day's digest happen at most once, across restarts and processes. `DigestStore` is the port, with
 * exactly what src/digest/ needs; the SQLite implementation is src/adapters/store/sqlite-digest-store.ts.
 */
import type { Awaitable } from '../awaitable.ts';
import type { DigestHistoryPost } from './pick-papers.ts';

/** What a subscription says about its channel's digest: where, when (local time and zone), how many, on what. */
export interface DigestSubscriptionSettings {
  channelId: string;
  guildId: string;
  /** Local time of day, `HH:MM`. */
  time: string;
  /** IANA time zone. */
  timeZone: string;
  /** Papers per digest, 1–10. */
  count: number;
  topic: string | null;
}

/** A channel's daily digest. One per channel: subscribing again changes it. */
export interface DigestSubscription extends DigestSubscriptionSettings {
  /** The user who last subscribed or changed it. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Creation, or the last change of time or zone (ISO): no digest is due for a scheduled time before it. */
  activeSince: string;
  /** Why the last attempt failed (a sentence), until a digest is posted again. */
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface DigestSubscriptionInput extends DigestSubscriptionSettings {
  /** Who subscribed or changed it. */
  userId: string;
  now: Date;
}

/**
 * `sending`: claimed, being sent (or the process died while sending: then it is never sent again);
 * `sent`: at least one of its messages reached the channel; `failed`: none did (the next day tries again).
 */
export type DigestPostStatus = 'sending' | 'sent' | 'failed';

export interface DigestPost {
  channelId: string;
  /** The local date (`YYYY-MM-DD`, the subscription's zone) the digest is for. */
  localDate: string;
  guildId: string;
  status: DigestPostStatus;
  /** The papers it showed, in entry order. */
  paperIds: string[];
  /** The instant its papers were picked (papers added after it are "new" in the next digest). */
  pickedAt: string;
  postedAt: string | null;
  messageIds: string[];
  error: string | null;
}

export interface DigestClaim {
  channelId: string;
  guildId: string;
  localDate: string;
  paperIds: readonly string[];
  pickedAt: Date;
}

/** What a channel was shown (only posts that reached it), oldest first, and when the last one was picked. */
export interface DigestHistory {
  posts: DigestHistoryPost[];
  lastPostAt: Date | null;
}

export interface DigestStore {
  /**
   * Creates the channel's subscription, or changes it (the channel keeps its history). `activeSince` moves
   * only when the time or the zone changes, so changing the count or topic never makes a day's digest due
   * again or skips one.
   */
  saveSubscription(input: DigestSubscriptionInput): Awaitable<{ subscription: DigestSubscription; created: boolean }>;
  /** Ends the channel's subscription (the only way one is ever deleted); its post history stays. */
  deleteSubscription(channelId: string): Awaitable<DigestSubscription | undefined>;
  subscription(channelId: string): Awaitable<DigestSubscription | undefined>;
  /** Every subscription, or a server's, oldest first. */
  subscriptions(filter?: { guildId?: string }): Awaitable<DigestSubscription[]>;
  /** The latest local date the channel has a post record for, whatever became of it: no second post that day. */
  latestPostDate(channelId: string): Awaitable<string | null>;
  history(channelId: string): Awaitable<DigestHistory>;
  /** The channel's latest post record (by the time its papers were picked), or its latest one that was sent. */
  lastPost(channelId: string, filter?: { sent?: boolean }): Awaitable<DigestPost | undefined>;
  /** Every post record of the channel, oldest first (for inspection: the digest itself reads `history` and `lastPost`). */
  posts(channelId: string): Awaitable<DigestPost[]>;
  /**
   * Claims the channel's digest for `localDate` before anything is sent: true when this caller may send it.
   * Atomically, with one writer across processes: the subscription still exists, and the channel has no
   * record for this date or a later one; then the record is written with its papers, as `sending`.
   * Whatever happens after (a crash, a restart, a second process), that day is never sent again.
   */
  claimPost(claim: DigestClaim): Awaitable<boolean>;
  /** The claimed digest reached the channel: the record becomes `sent`, and the subscription's error is cleared. */
  completePost(done: { channelId: string; localDate: string; postedAt: Date; messageIds: readonly string[] }): Awaitable<void>;
  /**
   * Sending the claimed digest failed. The record keeps the claim (that day is not tried again; the next day
   * is): `sent` when some of its messages got through (the channel saw those papers), else `failed`. The
   * error is recorded on the subscription for `/digest status`.
   */
  failPost(failure: { channelId: string; localDate: string; at: Date; error: string; messageIds: readonly string[] }): Awaitable<void>;
  /** Records why a digest could not be posted (shown by `/digest status` until one is posted). */
  recordError(failure: { channelId: string; at: Date; error: string }): Awaitable<void>;
}
