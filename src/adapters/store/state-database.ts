/**
 * The precious state (`data/state.sqlite`), kept apart from the rebuildable index: answers the bot gave and
 * the feedback on them now; digest subscriptions and posts later. WAL mode, so the bot and a second process
 * (a shard, a script) can read while one writes.
 *
 * The schema is versioned: `STATE_MIGRATIONS` is an ordered list; the ones not yet applied run at open,
 * together in one transaction (all or nothing), each recorded in `schema_migrations` and `PRAGMA
 * user_version`. To change the schema, append a migration with the next version; never edit one that has
 * shipped. A database written by a newer paperbot (a version this code does not know) is refused.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../../core/errors.ts';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

export const STATE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'answers and feedback',
    up: (db) =>
      db.exec(`
        CREATE TABLE answers (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          source TEXT NOT NULL,
          guild_id TEXT,
          channel_id TEXT,
          mode TEXT NOT NULL,
          question TEXT NOT NULL,
          answer TEXT NOT NULL,
          paper_ids TEXT NOT NULL
        );
        CREATE TABLE feedback (
          answer_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
          voted_at TEXT NOT NULL,
          PRIMARY KEY (answer_id, user_id)
        );
        CREATE INDEX feedback_by_time ON feedback(voted_at);
      `),
  },
];

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

export interface StateDatabaseOptions {
  /** Tests pass extra migrations; the default is the shipped list. */
  migrations?: readonly Migration[];
}

export class StateDatabase {
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating if needed) the state database at `file` and brings its schema up to date. */
  static open(file: string, { migrations = STATE_MIGRATIONS }: StateDatabaseOptions = {}): StateDatabase {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Another process holding the write lock (a second shard) is waited for instead of failing at once.
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      migrate(db, migrations, file);
    } catch (error) {
      db.close();
      throw error;
    }
    return new StateDatabase(db);
  }

  /** The highest migration applied. */
  schemaVersion(): number {
    return Number(this.db.pragma('user_version', { simple: true }));
  }

  appliedMigrations(): Array<{ version: number; name: string; appliedAt: string }> {
    return this.db.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      name: string;
      appliedAt: string;
    }>;
  }

  recordAnswer(answer: StoredAnswer): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO answers (id, created_at, source, guild_id, channel_id, mode, question, answer, paper_ids)
         VALUES (@id, @createdAt, @source, @guildId, @channelId, @mode, @question, @answer, @paperIds)`,
      )
      .run({ ...answer, paperIds: JSON.stringify(answer.paperIds) });
  }

  getAnswer(id: string): StoredAnswer | undefined {
    const row = this.db.prepare('SELECT * FROM answers WHERE id = ?').get(id) as
      | { id: string; created_at: string; source: string; guild_id: string | null; channel_id: string | null; mode: string; question: string; answer: string; paper_ids: string }
      | undefined;
    if (row === undefined) return undefined;
    return {
      id: row.id,
      createdAt: row.created_at,
      source: row.source,
      guildId: row.guild_id,
      channelId: row.channel_id,
      mode: row.mode,
      question: row.question,
      answer: row.answer,
      paperIds: JSON.parse(row.paper_ids) as string[],
    };
  }

  /** Stores a vote; a second vote by the same user on the same answer replaces the first. Returns the replaced vote. */
  recordVote({ answerId, userId, vote, votedAt }: FeedbackVote): { previous: Vote | null } {
    return this.db.transaction(() => {
      const previous = this.db.prepare('SELECT vote FROM feedback WHERE answer_id = ? AND user_id = ?').get(answerId, userId) as { vote: Vote } | undefined;
      this.db
        .prepare(
          `INSERT INTO feedback (answer_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at`,
        )
        .run(answerId, userId, vote, votedAt);
      return { previous: previous?.vote ?? null };
    })();
  }

  votes(answerId: string): FeedbackVote[] {
    return this.db
      .prepare('SELECT answer_id AS answerId, user_id AS userId, vote, voted_at AS votedAt FROM feedback WHERE answer_id = ? ORDER BY voted_at, user_id')
      .all(answerId) as FeedbackVote[];
  }

  feedbackSummary(answerId: string): FeedbackSummary {
    const row = this.db
      .prepare(`SELECT COALESCE(SUM(vote = 'up'), 0) AS up, COALESCE(SUM(vote = 'down'), 0) AS down FROM feedback WHERE answer_id = ?`)
      .get(answerId) as FeedbackSummary;
    return { up: Number(row.up), down: Number(row.down) };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database, migrations: readonly Migration[], file: string): void {
  const versions = migrations.map((m) => m.version);
  if (versions.some((v, i) => !Number.isInteger(v) || v !== i + 1)) {
    throw new Error(`state migrations must be numbered 1, 2, 3, … in order; got ${versions.join(', ')}`);
  }
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  // IMMEDIATE: two processes starting together must not both apply the same migration.
  db.transaction(() => {
    const current = Number(db.pragma('user_version', { simple: true }));
    const known = migrations.length;
    if (current > known) {
      throw new UserError(
        'E_STATE_TOO_NEW',
        `${file} was written by a newer paperbot (schema version ${current}; this version knows up to ${known}). Update paperbot, or restore a backup of the state database.`,
      );
    }
    for (const migration of migrations.slice(current)) {
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}
