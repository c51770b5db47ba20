import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_MIGRATIONS, StateDatabase, type Migration } from './state-database.ts';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-state-'));
  file = path.join(dir, 'nested', 'state.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vote = (userId: string, v: 'up' | 'down', votedAt = '2025-01-01T00:00:00.000Z') => ({ answerId: 'a1', userId, vote: v, votedAt });

describe('StateDatabase', () => {
  it('creates the file in WAL mode with the schema at the latest version', () => {
    const db = StateDatabase.open(file);
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.appliedMigrations().map((m) => m.version)).toEqual(STATE_MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('stores a vote, and a second vote by the same user replaces the first', () => {
    const db = StateDatabase.open(file);
    expect(db.recordVote(vote('u1', 'up'))).toEqual({ previous: null });
    expect(db.recordVote(vote('u1', 'down', '2025-01-01T00:01:00.000Z'))).toEqual({ previous: 'up' });
    expect(db.recordVote(vote('u2', 'up'))).toEqual({ previous: null });
    expect(db.votes('a1')).toEqual([vote('u2', 'up'), vote('u1', 'down', '2025-01-01T00:01:00.000Z')]);
    expect(db.feedbackSummary('a1')).toEqual({ up: 1, down: 1 });
    expect(db.feedbackSummary('nothing')).toEqual({ up: 0, down: 0 });
    db.close();
  });

  it('keeps answers and votes across reopening (it is the precious state)', () => {
    const db = StateDatabase.open(file);
    const answer = { id: 'a1', createdAt: '2025-01-01T00:00:00.000Z', source: 'slash', guildId: '1', channelId: '2', mode: 'llm', question: 'q?', answer: 'a [1].', paperIds: ['p1'] };
    db.recordAnswer(answer);
    db.recordVote(vote('u1', 'up'));
    db.close();
    const again = StateDatabase.open(file);
    expect(again.getAnswer('a1')).toEqual(answer);
    expect(again.votes('a1')).toHaveLength(1);
    expect(again.appliedMigrations()).toHaveLength(STATE_MIGRATIONS.length);
    again.close();
  });

  it('runs only the migrations not yet applied, in order, when a new version adds one', () => {
    StateDatabase.open(file).close();
    const next: Migration = { version: STATE_MIGRATIONS.length + 1, name: 'digest subscriptions', up: (db) => db.exec('CREATE TABLE subscriptions (id INTEGER PRIMARY KEY)') };
    const db = StateDatabase.open(file, { migrations: [...STATE_MIGRATIONS, next] });
    expect(db.schemaVersion()).toBe(next.version);
    expect(db.appliedMigrations().map((m) => m.name)).toEqual([...STATE_MIGRATIONS.map((m) => m.name), 'digest subscriptions']);
    db.db.prepare('INSERT INTO subscriptions (id) VALUES (1)').run();
    db.close();
  });

  it('rolls a failing migration back entirely', () => {
    StateDatabase.open(file).close();
    const broken: Migration[] = [
      ...STATE_MIGRATIONS,
      { version: STATE_MIGRATIONS.length + 1, name: 'good', up: (db) => db.exec('CREATE TABLE good (x)') },
      { version: STATE_MIGRATIONS.length + 2, name: 'bad', up: (db) => db.exec('CREATE TABLE nonsense (') },
    ];
    expect(() => StateDatabase.open(file, { migrations: broken })).toThrow();
    const db = StateDatabase.open(file);
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.db.prepare("SELECT name FROM sqlite_master WHERE name = 'good'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database written by a newer paperbot, saying what to do', () => {
    const extra: Migration = { version: STATE_MIGRATIONS.length + 1, name: 'future', up: () => {} };
    StateDatabase.open(file, { migrations: [...STATE_MIGRATIONS, extra] }).close();
    expect(() => StateDatabase.open(file)).toThrow(/written by a newer paperbot .*Update paperbot/);
  });

  it('rejects a migration list with gaps', () => {
    expect(() => StateDatabase.open(file, { migrations: [{ version: 2, name: 'x', up: () => {} }] })).toThrow(/numbered 1, 2, 3/);
  });
});
