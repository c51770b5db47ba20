/**
 * Votes on digest entries on SQLite: migration 3 on top of a database with digests in it, one vote per
 * person per paper per channel (a second replaces the first), each channel's verdicts apart, and the papers
 * of a posted digest by channel and date (how a button finds its paper).
 */
import { describe, expect, it } from 'vitest';
import { StateDatabase } from './state-database.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';
import { useTempStateFile } from './temp-state-file.fixture.ts';

const stateFile = useTempStateFile('paperbot-digest-votes');

const vote = (channelId: string, paperId: string, userId: string, v: 'up' | 'down') => ({ channelId, paperId, userId, vote: v, votedAt: '2026-12-02T09:00:00Z' });

describe('SqliteDigestVoteStore', () => {
  it('adds the votes table to a database that has digests, keeping them, and finds a posted digest’s papers', () => {
    const v2 = StateDatabase.open(stateFile(), { migrations: STATE_MIGRATIONS.slice(0, 2) });
    v2.digests.saveSubscription({ channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'UTC', count: 3, topic: null, userId: 'u1', now: new Date('2026-12-01T00:00:00Z') });
    v2.digests.claimPost({ channelId: 'c1', guildId: 'g1', localDate: '2026-12-01', paperIds: ['p1', 'p2'], pickedAt: new Date('2026-12-01T09:00:00Z') });
    v2.close();

    const db = StateDatabase.open(stateFile());
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.digestVotes.postedPapers('c1', '2026-12-01')).toEqual(['p1', 'p2']);
    expect(db.digestVotes.postedPapers('c1', '2026-12-02')).toBeUndefined();
    expect(db.digestVotes.postedPapers('c2', '2026-12-01')).toBeUndefined();
    db.close();
  });

  it('keeps one vote per person per paper per channel, and sums each channel apart', () => {
    const db = StateDatabase.open(stateFile());
    const votes = db.digestVotes;
    expect(votes.recordVote(vote('c1', 'p1', 'alice', 'up'))).toEqual({ previous: null });
    expect(votes.recordVote(vote('c1', 'p1', 'alice', 'up'))).toEqual({ previous: 'up' });
    votes.recordVote(vote('c1', 'p1', 'bob', 'up'));
    votes.recordVote(vote('c1', 'p2', 'alice', 'down'));
    votes.recordVote(vote('c1', 'p3', 'alice', 'up'));
    expect(votes.recordVote(vote('c1', 'p3', 'bob', 'down'))).toEqual({ previous: null });
    votes.recordVote(vote('c2', 'p1', 'alice', 'down'));
    // p3 is 1 up, 1 down: no verdict.
    expect(votes.channelVotes('c1')).toEqual([
      { paperId: 'p1', score: 2 },
      { paperId: 'p2', score: -1 },
    ]);
    expect(votes.recordVote(vote('c1', 'p1', 'bob', 'down'))).toEqual({ previous: 'up' });
    expect(votes.channelVotes('c1')).toEqual([{ paperId: 'p2', score: -1 }]);
    expect(votes.channelVotes('c2')).toEqual([{ paperId: 'p1', score: -1 }]);
    // c1: 👍 from Alice on p1 and p3; 👎 from Bob on p1 (changed) and p3, and from Alice on p2. c3 has none.
    expect(votes.tally('c1')).toEqual({ up: 2, down: 3 });
    expect(votes.tally('c3')).toEqual({ up: 0, down: 0 });
    db.close();
  });
});
