/**
 * Opening the state database: WAL, the schema brought up to date by the shared migration runner, only the
 * missing migrations run, a failing one rolled back whole, a newer file refused, and a file written by the
 * paperbot before the stores were split (same `user_version` scheme) opening with everything in it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Migration } from './sqlite-migrations.ts';
import { StateDatabase } from './state-database.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-state-'));
  file = path.join(dir, 'nested', 'state.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A state file as paperbot wrote it before this module was split into stores (schema version 2): the SQL
 * is copied from that version on purpose, so that editing a shipped migration here makes this test fail.
 */
function writeFileOfTheOldCode(at: string): void {
  const db = new Database(at);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
    CREATE TABLE answers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, source TEXT NOT NULL, guild_id TEXT, channel_id TEXT,
      mode TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, paper_ids TEXT NOT NULL);
    CREATE TABLE feedback (answer_id TEXT NOT NULL, user_id TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
      voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user_id));
    CREATE INDEX feedback_by_time ON feedback(voted_at);
    CREATE TABLE digest_subscriptions (channel_id TEXT PRIMARY KEY, guild_id TEXT NOT NULL, time TEXT NOT NULL, time_zone TEXT NOT NULL,
      count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10), topic TEXT, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL, active_since TEXT NOT NULL, last_error TEXT, last_error_at TEXT);
    CREATE INDEX digest_subscriptions_by_guild ON digest_subscriptions(guild_id);
    CREATE TABLE digest_posts (channel_id TEXT NOT NULL, local_date TEXT NOT NULL, guild_id TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')), paper_ids TEXT NOT NULL, picked_at TEXT NOT NULL,
      posted_at TEXT, message_ids TEXT NOT NULL DEFAULT '[]', error TEXT, PRIMARY KEY (channel_id, local_date));
    CREATE INDEX digest_posts_by_time ON digest_posts(channel_id, picked_at);
    INSERT INTO schema_migrations VALUES (1, 'answers and feedback', '2026-01-01T00:00:00.000Z'), (2, 'digest subscriptions and posts', '2026-01-01T00:00:00.000Z');
    INSERT INTO answers VALUES ('a1', '2026-02-01T00:00:00.000Z', 'slash', '1', '2', 'llm', 'What is VaSSO?', 'It is [1].', '["p1"]');
    INSERT INTO feedback VALUES ('a1', 'u1', 'up', '2026-02-01T00:01:00.000Z');
    INSERT INTO digest_subscriptions VALUES ('c1', 'g1', '09:00', 'Europe/Berlin', 3, NULL, 'u1', '2026-02-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', NULL, NULL);
    INSERT INTO digest_posts VALUES ('c1', '2026-02-02', 'g1', 'sent', '["p2","p1"]', '2026-02-02T08:00:00.000Z', '2026-02-02T08:00:01.000Z', '["m1"]', NULL);
  `);
  db.pragma('user_version = 2');
  db.close();
}

describe('StateDatabase', () => {
  it('creates the file in WAL mode with the schema at the latest version', () => {
    const db = StateDatabase.open(file);
    expect(db.journalMode()).toBe('wal');
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.appliedMigrations().map((m) => m.version)).toEqual(STATE_MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('opens a file written by the paperbot before the split, keeping its answers, votes, subscriptions and posts', () => {
    const old = path.join(dir, 'old.sqlite');
    writeFileOfTheOldCode(old);
    const db = StateDatabase.open(old);
    expect(db.schemaVersion()).toBe(STATE_MIGRATIONS.length);
    expect(db.appliedMigrations().map((m) => m.appliedAt).slice(0, 2)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    expect(db.feedback.getAnswer('a1')).toMatchObject({ question: 'What is VaSSO?', paperIds: ['p1'] });
    expect(db.feedback.feedbackSummary('a1')).toEqual({ up: 1, down: 0 });
    expect(db.digests.subscription('c1')).toMatchObject({ time: '09:00', timeZone: 'Europe/Berlin', count: 3, activeSince: '2026-02-01T00:00:00.000Z' });
    expect(db.digests.history('c1')).toEqual({ posts: [{ paperIds: ['p2', 'p1'] }], lastPostAt: new Date('2026-02-02T08:00:00.000Z') });
    // And it goes on working: the next day can be claimed, that one cannot be again.
    const claim = { channelId: 'c1', guildId: 'g1', paperIds: ['p3'], pickedAt: new Date('2026-02-03T08:00:00.000Z') };
    expect(db.digests.claimPost({ ...claim, localDate: '2026-02-02' })).toBe(false);
    expect(db.digests.claimPost({ ...claim, localDate: '2026-02-03' })).toBe(true);
    db.close();
  });

  it('runs only the migrations not yet applied, in order, when a new version adds one', () => {
    StateDatabase.open(file).close();
    const next: Migration = { version: STATE_MIGRATIONS.length + 1, name: 'digest subscriptions', up: (db) => db.exec('CREATE TABLE subscriptions (id INTEGER PRIMARY KEY)') };
    const db = StateDatabase.open(file, { migrations: [...STATE_MIGRATIONS, next] });
    expect(db.schemaVersion()).toBe(next.version);
    expect(db.appliedMigrations().map((m) => m.name)).toEqual([...STATE_MIGRATIONS.map((m) => m.name), 'digest subscriptions']);
    expect(db.tables()).toContain('subscriptions');
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
    expect(db.tables()).toContain('answers');
    expect(db.tables()).not.toContain('good');
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
