/** The feedback store on SQLite: answers and votes, one vote per user per answer, kept across reopening. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateDatabase } from './state-database.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-feedback-'));
  file = path.join(dir, 'state.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vote = (userId: string, v: 'up' | 'down', votedAt = '2025-01-01T00:00:00.000Z') => ({ answerId: 'a1', userId, vote: v, votedAt });

describe('SqliteFeedbackStore', () => {
  it('stores a vote, and a second vote by the same user replaces the first', () => {
    const db = StateDatabase.open(file);
    const { feedback } = db;
    expect(feedback.recordVote(vote('u1', 'up'))).toEqual({ previous: null });
    expect(feedback.recordVote(vote('u1', 'down', '2025-01-01T00:01:00.000Z'))).toEqual({ previous: 'up' });
    expect(feedback.recordVote(vote('u2', 'up'))).toEqual({ previous: null });
    expect(feedback.votes('a1')).toEqual([vote('u2', 'up'), vote('u1', 'down', '2025-01-01T00:01:00.000Z')]);
    expect(feedback.feedbackSummary('a1')).toEqual({ up: 1, down: 1 });
    expect(feedback.feedbackSummary('nothing')).toEqual({ up: 0, down: 0 });
    db.close();
  });

  it('keeps answers and votes across reopening (it is the precious state)', () => {
    const db = StateDatabase.open(file);
    const answer = { id: 'a1', createdAt: '2025-01-01T00:00:00.000Z', source: 'slash', guildId: '1', channelId: '2', mode: 'llm', question: 'q?', answer: 'a [1].', paperIds: ['p1'] };
    db.feedback.recordAnswer(answer);
    db.feedback.recordVote(vote('u1', 'up'));
    db.close();
    const again = StateDatabase.open(file);
    expect(again.feedback.getAnswer('a1')).toEqual(answer);
    expect(again.feedback.getAnswer('a2')).toBeUndefined();
    expect(again.feedback.votes('a1')).toHaveLength(1);
    expect(again.appliedMigrations()).toHaveLength(STATE_MIGRATIONS.length);
    again.close();
  });

  it('keeps the evidence of an answer across reopening, and answers stored before it have none', () => {
    const old = StateDatabase.open(file, { migrations: STATE_MIGRATIONS.slice(0, 3) });
    old.feedback.recordAnswer({ id: 'old', createdAt: '2025-01-01T00:00:00.000Z', source: 'dm', guildId: null, channelId: null, mode: 'extractive', question: 'q?', answer: 'a [1].', paperIds: ['p1'] });
    old.close();
    const db = StateDatabase.open(file);
    const evidence = [{ n: 1, paperId: 'p1', title: null, label: 'VaSSO', url: null, source: 'seed.jsonl:3', quotes: ['VaSSO stabilizes the adversary.'] }];
    db.feedback.recordAnswer({ id: 'new', createdAt: '2025-01-02T00:00:00.000Z', source: 'slash', guildId: '1', channelId: '2', mode: 'llm', question: 'q?', answer: 'a [1].', paperIds: ['p1'], evidence });
    db.close();
    const again = StateDatabase.open(file);
    expect(again.feedback.evidence('new')).toEqual(evidence);
    expect(again.feedback.getAnswer('new')).toMatchObject({ id: 'new', paperIds: ['p1'] });
    expect(again.feedback.getAnswer('old')).toMatchObject({ id: 'old', mode: 'extractive' });
    expect(again.feedback.evidence('old')).toBeUndefined();
    again.close();
  });
});
