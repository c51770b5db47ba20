/**
 * The contract of the state stores (core's FeedbackStore, DigestStore, DigestVoteStore; GuildSettingsStore in
 * settings-store.contract.ts; JobClaimStore and RateLimitStore in shared-state-stores.contract.ts), written once and
 * run against every backend: SQLite (sqlite-state-stores.test.ts) and PostgreSQL on the wire
 * (tests/postgres/postgres-state-stores.test.ts). A backend passes when the bot could not tell them apart:
 * one vote per user per answer, one subscription per channel, a day's digest claimed once (also by a second
 * connection, as a second process would), history and failures where `/digest status` reads them, and each
 * migration adding its tables to a database of the version before without touching what is in it.
 */
import { describe, expect, it } from 'vitest';
import type { Awaitable } from '../../core/awaitable.ts';
import type { DigestPost, DigestStore, DigestSubscriptionInput } from '../../core/digest/digest-store.ts';
import type { DigestVoteStore } from '../../core/digest/digest-votes.ts';
import type { FeedbackStore } from '../../core/feedback/feedback-store.ts';
import type { JobClaimStore } from '../../core/jobs/job-runs.ts';
import type { RateLimitStore } from '../../core/rate-limit/rate-limit.ts';
import type { GuildSettingsStore } from '../../core/settings/guild-settings.ts';
import { guildSettingsStoreContract } from './settings-store.contract.ts';
import { jobClaimStoreContract, rateLimitStoreContract } from './shared-state-stores.contract.ts';
import type { AppliedMigration } from './schema-versions.ts';

/** What the contract needs of an open state database. */
export interface StateUnderTest {
  feedback: FeedbackStore;
  digests: DigestStore & { posts(channelId: string): Awaitable<DigestPost[]> };
  digestVotes: DigestVoteStore;
  guildSettings: GuildSettingsStore;
  jobClaims: JobClaimStore;
  rateLimits: RateLimitStore;
  schemaVersion(): Awaitable<number>;
  appliedMigrations(): Awaitable<AppliedMigration[]>;
  close(): Awaitable<void>;
}

export interface StateBackend {
  /** How many state migrations the backend ships. */
  migrations: number;
  /**
   * Opens the current test's database (empty at the start of each test; the same one on every call within
   * it, like a second process would), with the first `upTo` migrations (default: all).
   */
  open(options?: { upTo?: number }): Promise<StateUnderTest>;
  /** How many rows `table` holds now (to see what a sweep removed). */
  rows(table: string): Promise<number>;
}

const T = (iso: string) => new Date(iso);

function input(overrides: Partial<DigestSubscriptionInput> = {}): DigestSubscriptionInput {
  return { channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, userId: 'u1', now: T('2026-03-01T10:00:00Z'), ...overrides };
}

export function feedbackStoreContract(backend: StateBackend): void {
  const vote = (userId: string, v: 'up' | 'down', votedAt = '2025-01-01T00:00:00.000Z') => ({ answerId: 'a1', userId, vote: v, votedAt });

  describe('the feedback store', () => {
    it('stores a vote, and a second vote by the same user replaces the first', async () => {
      const db = await backend.open();
      const { feedback } = db;
      expect(await feedback.recordVote(vote('u1', 'up'))).toEqual({ previous: null });
      expect(await feedback.recordVote(vote('u1', 'down', '2025-01-01T00:01:00.000Z'))).toEqual({ previous: 'up' });
      expect(await feedback.recordVote(vote('u2', 'up'))).toEqual({ previous: null });
      expect(await feedback.votes('a1')).toEqual([vote('u2', 'up'), vote('u1', 'down', '2025-01-01T00:01:00.000Z')]);
      expect(await feedback.feedbackSummary('a1')).toEqual({ up: 1, down: 1 });
      expect(await feedback.feedbackSummary('nothing')).toEqual({ up: 0, down: 0 });
      await db.close();
    });

    it('keeps answers and votes across reopening (it is the precious state)', async () => {
      const db = await backend.open();
      const answer = { id: 'a1', createdAt: '2025-01-01T00:00:00.000Z', source: 'slash', guildId: '1', channelId: '2', mode: 'llm', question: 'q?', answer: 'a [1].', paperIds: ['p1'] };
      await db.feedback.recordAnswer(answer);
      await db.feedback.recordAnswer({ ...answer, answer: 'a [1] again.' });
      await db.feedback.recordVote(vote('u1', 'up'));
      await db.close();
      const again = await backend.open();
      expect(await again.feedback.getAnswer('a1')).toEqual({ ...answer, answer: 'a [1] again.' });
      expect(await again.feedback.getAnswer('a2')).toBeUndefined();
      expect(await again.feedback.votes('a1')).toHaveLength(1);
      expect(await again.appliedMigrations()).toHaveLength(backend.migrations);
      await again.close();
    });

    it('keeps the evidence of an answer across reopening, and answers stored before it have none', async () => {
      const old = await backend.open({ upTo: 3 });
      await old.feedback.recordAnswer({ id: 'old', createdAt: '2025-01-01T00:00:00.000Z', source: 'dm', guildId: null, channelId: null, mode: 'extractive', question: 'q?', answer: 'a [1].', paperIds: ['p1'] });
      await old.close();
      const db = await backend.open();
      const evidence = [{ n: 1, paperId: 'p1', title: null, label: 'VaSSO', url: null, source: 'seed.jsonl:3', quotes: ['VaSSO stabilizes the adversary.'] }];
      await db.feedback.recordAnswer({ id: 'new', createdAt: '2025-01-02T00:00:00.000Z', source: 'slash', guildId: '1', channelId: '2', mode: 'llm', question: 'q?', answer: 'a [1].', paperIds: ['p1'], evidence });
      await db.close();
      const again = await backend.open();
      expect(await again.feedback.evidence('new')).toEqual(evidence);
      expect(await again.feedback.getAnswer('new')).toMatchObject({ id: 'new', paperIds: ['p1'] });
      expect(await again.feedback.getAnswer('old')).toMatchObject({ id: 'old', mode: 'extractive' });
      expect(await again.feedback.evidence('old')).toBeUndefined();
      await again.close();
    });
  });
}

export function digestStoreContract(backend: StateBackend): void {
  describe('the digest store', () => {
    it('adds the digest tables to a version-1 database without touching its answers', async () => {
      const v1 = await backend.open({ upTo: 1 });
      await v1.feedback.recordAnswer({ id: 'a1', createdAt: '2026-01-01T00:00:00.000Z', source: 'slash', guildId: null, channelId: null, mode: 'llm', question: 'q', answer: 'a', paperIds: [] });
      expect(await v1.schemaVersion()).toBe(1);
      await v1.close();

      const db = await backend.open();
      expect(await db.schemaVersion()).toBe(backend.migrations);
      expect((await db.appliedMigrations()).map((m) => m.name).slice(0, 2)).toEqual(['answers and feedback', 'digest subscriptions and posts']);
      expect((await db.feedback.getAnswer('a1'))?.question).toBe('q');
      await db.digests.saveSubscription(input());
      expect(await db.digests.subscriptions()).toHaveLength(1);
      await db.close();
    });

    it('keeps one subscription per channel; a new time or zone moves activeSince, a new count or topic does not', async () => {
      const db = await backend.open();
      const { digests } = db;
      const first = await digests.saveSubscription(input());
      expect(first.created).toBe(true);
      expect(first.subscription).toMatchObject({ channelId: 'c1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, activeSince: '2026-03-01T10:00:00.000Z', lastError: null });

      const topic = await digests.saveSubscription(input({ count: 5, topic: 'robustness', now: T('2026-03-02T10:00:00Z') }));
      expect(topic.created).toBe(false);
      expect(topic.subscription).toMatchObject({ count: 5, topic: 'robustness', activeSince: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-02T10:00:00.000Z', createdAt: '2026-03-01T10:00:00.000Z' });

      const moved = await digests.saveSubscription(input({ time: '18:30', count: 5, topic: 'robustness', now: T('2026-03-03T10:00:00Z') }));
      expect(moved.subscription.activeSince).toBe('2026-03-03T10:00:00.000Z');
      expect(await digests.subscriptions()).toHaveLength(1);
      await db.close();
    });

    it('lets exactly one caller claim a channel’s day, and never an earlier day once a later one is recorded', async () => {
      const db = await backend.open();
      await db.digests.saveSubscription(input());
      const claim = { channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p2', 'p1'], pickedAt: T('2026-03-02T08:00:00Z') };
      expect(await db.digests.claimPost(claim)).toBe(true);
      expect(await db.digests.claimPost(claim)).toBe(false);
      // Even by a second process with its own connection.
      const other = await backend.open();
      expect(await other.digests.claimPost(claim)).toBe(false);
      expect(await other.digests.claimPost({ ...claim, localDate: '2026-03-01' })).toBe(false);
      await other.close();

      expect(await db.digests.latestPostDate('c1')).toBe('2026-03-02');
      expect(await db.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sending', paperIds: ['p2', 'p1'], pickedAt: '2026-03-02T08:00:00.000Z', postedAt: null }]);
      // A claimed digest that never completed (a crash) is not history: the channel may not have seen it.
      expect(await db.digests.history('c1')).toEqual({ posts: [], lastPostAt: null });
      await db.close();
    });

    it('lets one of several claims of the same day made at once win, whichever connection they come from', async () => {
      const [a, b] = [await backend.open(), await backend.open()];
      await a.digests.saveSubscription(input());
      const claim = { channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p1'], pickedAt: T('2026-03-02T08:00:00Z') };
      const results = await Promise.all([a, b, a, b].map((db) => db.digests.claimPost(claim)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.digests.posts('c1')).toHaveLength(1);
      await a.close();
      await b.close();
    });

    it('refuses a claim for a channel that is no longer subscribed', async () => {
      const db = await backend.open();
      const { digests } = db;
      await digests.saveSubscription(input());
      await digests.deleteSubscription('c1');
      expect(await digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: [], pickedAt: T('2026-03-02T08:00:00Z') })).toBe(false);
      await db.close();
    });

    it('records sent posts as history in entry order, and failures on the subscription until the next success', async () => {
      const db = await backend.open();
      const { digests } = db;
      await digests.saveSubscription(input());
      const day = (localDate: string, paperIds: string[]) => ({ channelId: 'c1', guildId: 'g1', localDate, paperIds, pickedAt: T(`${localDate}T08:00:00Z`) });

      expect(await digests.claimPost(day('2026-03-02', ['b', 'a']))).toBe(true);
      await digests.completePost({ channelId: 'c1', localDate: '2026-03-02', postedAt: T('2026-03-02T08:00:01Z'), messageIds: ['m1'] });

      expect(await digests.claimPost(day('2026-03-03', ['c']))).toBe(true);
      await digests.failPost({ channelId: 'c1', localDate: '2026-03-03', at: T('2026-03-03T08:00:01Z'), error: 'paperbot may not post in this channel', messageIds: [] });
      expect(await digests.subscription('c1')).toMatchObject({ lastError: 'paperbot may not post in this channel', lastErrorAt: '2026-03-03T08:00:01.000Z' });
      expect(await digests.lastPost('c1')).toMatchObject({ localDate: '2026-03-03', status: 'failed', postedAt: null, error: 'paperbot may not post in this channel' });
      expect(await digests.lastPost('c1', { sent: true })).toMatchObject({ localDate: '2026-03-02', status: 'sent', messageIds: ['m1'], postedAt: '2026-03-02T08:00:01.000Z' });

      // Part of a long digest got through: the channel saw those papers, so it is history.
      expect(await digests.claimPost(day('2026-03-04', ['d', 'e']))).toBe(true);
      await digests.failPost({ channelId: 'c1', localDate: '2026-03-04', at: T('2026-03-04T08:00:01Z'), error: 'cut short', messageIds: ['m2'] });

      expect(await digests.claimPost(day('2026-03-05', ['f']))).toBe(true);
      await digests.completePost({ channelId: 'c1', localDate: '2026-03-05', postedAt: T('2026-03-05T08:00:01Z'), messageIds: ['m3'] });
      expect(await digests.subscription('c1')).toMatchObject({ lastError: null, lastErrorAt: null });

      expect(await digests.history('c1')).toEqual({ posts: [{ paperIds: ['b', 'a'] }, { paperIds: ['d', 'e'] }, { paperIds: ['f'] }], lastPostAt: T('2026-03-05T08:00:00Z') });
      await db.close();
    });

    it('keeps the history of a channel that unsubscribes, so subscribing again continues it', async () => {
      const db = await backend.open();
      const { digests } = db;
      await digests.saveSubscription(input());
      expect(await digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['a'], pickedAt: T('2026-03-02T08:00:00Z') })).toBe(true);
      await digests.completePost({ channelId: 'c1', localDate: '2026-03-02', postedAt: T('2026-03-02T08:00:01Z'), messageIds: ['m1'] });
      expect((await digests.deleteSubscription('c1'))?.channelId).toBe('c1');
      expect(await digests.deleteSubscription('c1')).toBeUndefined();
      expect(await digests.subscriptions()).toEqual([]);
      await digests.saveSubscription(input({ now: T('2026-03-02T12:00:00Z') }));
      expect((await digests.history('c1')).posts).toEqual([{ paperIds: ['a'] }]);
      expect(await digests.latestPostDate('c1')).toBe('2026-03-02');
      await db.close();
    });

    it('lists a server’s subscriptions only, oldest first', async () => {
      const db = await backend.open();
      const { digests } = db;
      await digests.saveSubscription(input({ channelId: 'c2', guildId: 'g1', now: T('2026-03-01T09:00:00Z') }));
      await digests.saveSubscription(input({ channelId: 'c1', guildId: 'g1' }));
      await digests.saveSubscription(input({ channelId: 'c3', guildId: 'g2' }));
      expect((await digests.subscriptions({ guildId: 'g2' })).map((s) => s.channelId)).toEqual(['c3']);
      expect((await digests.subscriptions({ guildId: 'g1' })).map((s) => s.channelId)).toEqual(['c2', 'c1']);
      expect((await digests.subscriptions()).map((s) => s.channelId).sort()).toEqual(['c1', 'c2', 'c3']);
      await db.close();
    });
  });
}

export function digestVoteStoreContract(backend: StateBackend): void {
  const vote = (channelId: string, paperId: string, userId: string, v: 'up' | 'down') => ({ channelId, paperId, userId, vote: v, votedAt: '2026-12-02T09:00:00.000Z' });

  describe('the digest vote store', () => {
    it('adds the votes table to a database that has digests, keeping them, and finds a posted digest’s papers', async () => {
      const v2 = await backend.open({ upTo: 2 });
      await v2.digests.saveSubscription({ channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'UTC', count: 3, topic: null, userId: 'u1', now: T('2026-12-01T00:00:00Z') });
      await v2.digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-12-01', paperIds: ['p1', 'p2'], pickedAt: T('2026-12-01T09:00:00Z') });
      await v2.close();

      const db = await backend.open();
      expect(await db.schemaVersion()).toBe(backend.migrations);
      expect(await db.digestVotes.postedPapers('c1', '2026-12-01')).toEqual(['p1', 'p2']);
      expect(await db.digestVotes.postedPapers('c1', '2026-12-02')).toBeUndefined();
      expect(await db.digestVotes.postedPapers('c2', '2026-12-01')).toBeUndefined();
      await db.close();
    });

    it('keeps one vote per person per paper per channel, and sums each channel apart', async () => {
      const db = await backend.open();
      const { digestVotes: votes } = db;
      expect(await votes.recordVote(vote('c1', 'p1', 'alice', 'up'))).toEqual({ previous: null });
      expect(await votes.recordVote(vote('c1', 'p1', 'alice', 'up'))).toEqual({ previous: 'up' });
      await votes.recordVote(vote('c1', 'p1', 'bob', 'up'));
      await votes.recordVote(vote('c1', 'p2', 'alice', 'down'));
      await votes.recordVote(vote('c1', 'p3', 'alice', 'up'));
      expect(await votes.recordVote(vote('c1', 'p3', 'bob', 'down'))).toEqual({ previous: null });
      await votes.recordVote(vote('c2', 'p1', 'alice', 'down'));
      // p3 is 1 up, 1 down: no verdict.
      expect(await votes.channelVotes('c1')).toEqual([
        { paperId: 'p1', score: 2 },
        { paperId: 'p2', score: -1 },
      ]);
      expect(await votes.recordVote(vote('c1', 'p1', 'bob', 'down'))).toEqual({ previous: 'up' });
      expect(await votes.channelVotes('c1')).toEqual([{ paperId: 'p2', score: -1 }]);
      expect(await votes.channelVotes('c2')).toEqual([{ paperId: 'p1', score: -1 }]);
      // c1: 👍 from Alice on p1 and p3; 👎 from Bob on p1 (changed) and p3, and from Alice on p2. c3 has none.
      expect(await votes.tally('c1')).toEqual({ up: 2, down: 3 });
      expect(await votes.tally('c3')).toEqual({ up: 0, down: 0 });
      await db.close();
    });
  });
}

/** Every state store's contract. */
export function stateStoresContract(backend: StateBackend): void {
  feedbackStoreContract(backend);
  digestStoreContract(backend);
  digestVoteStoreContract(backend);
  guildSettingsStoreContract(backend);
  jobClaimStoreContract(backend);
  rateLimitStoreContract(backend);
}
