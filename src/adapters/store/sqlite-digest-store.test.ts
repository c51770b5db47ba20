/**
 * The digest store on SQLite: migration 2 on top of a database that has answers in it, one subscription per
 * channel (changing it keeps its history), the claim that makes a day's digest happen at most once (also
 * against a second connection), and failures recorded where `/digest status` reads them.
 */
import { describe, expect, it } from 'vitest';
import type { DigestSubscriptionInput } from '../../core/digest/digest-store.ts';
import { StateDatabase } from './state-database.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';
import { useTempStateFile } from './temp-state-file.fixture.ts';

const stateFile = useTempStateFile('paperbot-digest-state');

const T = (iso: string) => new Date(iso);

function input(overrides: Partial<DigestSubscriptionInput> = {}): DigestSubscriptionInput {
  return { channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, userId: 'u1', now: T('2026-03-01T10:00:00Z'), ...overrides };
}

describe('SqliteDigestStore', () => {
  it('adds the digest tables to a version-1 database without touching its answers', () => {
    const v1 = StateDatabase.open(stateFile(), { migrations: STATE_MIGRATIONS.slice(0, 1) });
    v1.feedback.recordAnswer({ id: 'a1', createdAt: '2026-01-01T00:00:00Z', source: 'slash', guildId: null, channelId: null, mode: 'llm', question: 'q', answer: 'a', paperIds: [] });
    expect(v1.schemaVersion()).toBe(1);
    v1.close();

    const db = StateDatabase.open(stateFile());
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.appliedMigrations().map((m) => m.name).slice(0, 2)).toEqual(['answers and feedback', 'digest subscriptions and posts']);
    expect(db.feedback.getAnswer('a1')?.question).toBe('q');
    db.digests.saveSubscription(input());
    expect(db.digests.subscriptions()).toHaveLength(1);
    db.close();
  });

  it('keeps one subscription per channel; a new time or zone moves activeSince, a new count or topic does not', () => {
    const db = StateDatabase.open(stateFile());
    const first = db.digests.saveSubscription(input());
    expect(first.created).toBe(true);
    expect(first.subscription).toMatchObject({ channelId: 'c1', time: '09:00', timeZone: 'Europe/Berlin', count: 3, topic: null, activeSince: '2026-03-01T10:00:00.000Z', lastError: null });

    const topic = db.digests.saveSubscription(input({ count: 5, topic: 'robustness', now: T('2026-03-02T10:00:00Z') }));
    expect(topic.created).toBe(false);
    expect(topic.subscription).toMatchObject({ count: 5, topic: 'robustness', activeSince: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-02T10:00:00.000Z' });

    const moved = db.digests.saveSubscription(input({ time: '18:30', count: 5, topic: 'robustness', now: T('2026-03-03T10:00:00Z') }));
    expect(moved.subscription.activeSince).toBe('2026-03-03T10:00:00.000Z');
    expect(db.digests.subscriptions()).toHaveLength(1);
    db.close();
  });

  it('lets exactly one caller claim a channel’s day, and never an earlier day once a later one is recorded', () => {
    const db = StateDatabase.open(stateFile());
    db.digests.saveSubscription(input());
    const claim = { channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p2', 'p1'], pickedAt: T('2026-03-02T08:00:00Z') };
    expect(db.digests.claimPost(claim)).toBe(true);
    expect(db.digests.claimPost(claim)).toBe(false);
    // Even by a second process with its own connection.
    const other = StateDatabase.open(stateFile());
    expect(other.digests.claimPost(claim)).toBe(false);
    expect(other.digests.claimPost({ ...claim, localDate: '2026-03-01' })).toBe(false);
    other.close();

    expect(db.digests.latestPostDate('c1')).toBe('2026-03-02');
    expect(db.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sending', paperIds: ['p2', 'p1'] }]);
    // A claimed digest that never completed (a crash) is not history: the channel may not have seen it.
    expect(db.digests.history('c1')).toEqual({ posts: [], lastPostAt: null });
    db.close();
  });

  it('refuses a claim for a channel that is no longer subscribed', () => {
    const db = StateDatabase.open(stateFile());
    db.digests.saveSubscription(input());
    db.digests.deleteSubscription('c1');
    expect(db.digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: [], pickedAt: T('2026-03-02T08:00:00Z') })).toBe(false);
    db.close();
  });

  it('records sent posts as history in entry order, and failures on the subscription until the next success', () => {
    const db = StateDatabase.open(stateFile());
    db.digests.saveSubscription(input());
    const day = (localDate: string, paperIds: string[]) => ({ channelId: 'c1', guildId: 'g1', localDate, paperIds, pickedAt: T(`${localDate}T08:00:00Z`) });

    expect(db.digests.claimPost(day('2026-03-02', ['b', 'a']))).toBe(true);
    db.digests.completePost({ channelId: 'c1', localDate: '2026-03-02', postedAt: T('2026-03-02T08:00:01Z'), messageIds: ['m1'] });

    expect(db.digests.claimPost(day('2026-03-03', ['c']))).toBe(true);
    db.digests.failPost({ channelId: 'c1', localDate: '2026-03-03', at: T('2026-03-03T08:00:01Z'), error: 'paperbot may not post in this channel', messageIds: [] });
    expect(db.digests.subscription('c1')).toMatchObject({ lastError: 'paperbot may not post in this channel', lastErrorAt: '2026-03-03T08:00:01.000Z' });
    expect(db.digests.lastPost('c1')).toMatchObject({ localDate: '2026-03-03', status: 'failed' });
    expect(db.digests.lastPost('c1', { sent: true })).toMatchObject({ localDate: '2026-03-02', status: 'sent', messageIds: ['m1'] });

    // Part of a long digest got through: the channel saw those papers, so it is history.
    expect(db.digests.claimPost(day('2026-03-04', ['d', 'e']))).toBe(true);
    db.digests.failPost({ channelId: 'c1', localDate: '2026-03-04', at: T('2026-03-04T08:00:01Z'), error: 'cut short', messageIds: ['m2'] });

    expect(db.digests.claimPost(day('2026-03-05', ['f']))).toBe(true);
    db.digests.completePost({ channelId: 'c1', localDate: '2026-03-05', postedAt: T('2026-03-05T08:00:01Z'), messageIds: ['m3'] });
    expect(db.digests.subscription('c1')?.lastError).toBeNull();

    expect(db.digests.history('c1')).toEqual({ posts: [{ paperIds: ['b', 'a'] }, { paperIds: ['d', 'e'] }, { paperIds: ['f'] }], lastPostAt: T('2026-03-05T08:00:00Z') });
    db.close();
  });

  it('keeps the history of a channel that unsubscribes, so subscribing again continues it', () => {
    const db = StateDatabase.open(stateFile());
    db.digests.saveSubscription(input());
    expect(db.digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['a'], pickedAt: T('2026-03-02T08:00:00Z') })).toBe(true);
    db.digests.completePost({ channelId: 'c1', localDate: '2026-03-02', postedAt: T('2026-03-02T08:00:01Z'), messageIds: ['m1'] });
    expect(db.digests.deleteSubscription('c1')?.channelId).toBe('c1');
    expect(db.digests.deleteSubscription('c1')).toBeUndefined();
    expect(db.digests.subscriptions()).toEqual([]);
    db.digests.saveSubscription(input({ now: T('2026-03-02T12:00:00Z') }));
    expect(db.digests.history('c1').posts).toEqual([{ paperIds: ['a'] }]);
    expect(db.digests.latestPostDate('c1')).toBe('2026-03-02');
    db.close();
  });

  it('lists a server’s subscriptions only', () => {
    const db = StateDatabase.open(stateFile());
    db.digests.saveSubscription(input({ channelId: 'c1', guildId: 'g1' }));
    db.digests.saveSubscription(input({ channelId: 'c2', guildId: 'g2' }));
    expect(db.digests.subscriptions({ guildId: 'g2' }).map((s) => s.channelId)).toEqual(['c2']);
    expect(db.digests.subscriptions().map((s) => s.channelId).sort()).toEqual(['c1', 'c2']);
    db.close();
  });
});
