/**
 * The precious state (`data/state.sqlite`), kept apart from the rebuildable index. This module only opens
 * the file (WAL, so the bot and a second process, a shard or a script, can read while one writes; a busy
 * timeout instead of failing when another process holds the write lock) and brings its schema up to date
 * with the state migrations (state-migrations.ts, run by sqlite-migrations.ts: `PRAGMA user_version`, so
 * files written by every earlier paperbot keep opening; a newer one is refused). What the file keeps is
 * read and written through its stores: `feedback` (answers and votes), `digests` (subscriptions and
 * posts), `jobClaims` and `rateLimits` (what several processes share), each implementing a port of src/core/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeError, UserError } from '../../core/errors.ts';
import type { StateStores } from '../../core/state-stores.ts';
import { errorCode, writeFailure } from '../../indexing/write-failure.ts';
import type { AppliedMigration } from './schema-versions.ts';
import { SqliteDigestStore } from './sqlite-digest-store.ts';
import { SqliteDigestVoteStore } from './sqlite-digest-vote-store.ts';
import { SqliteFeedbackStore } from './sqlite-feedback-store.ts';
import { SqliteJobClaimStore } from './sqlite-job-claim-store.ts';
import { SqliteRateLimitStore } from './sqlite-rate-limit-store.ts';
import { SqliteSettingsStore } from './sqlite-settings-store.ts';
import { appliedMigrations, migrate, schemaVersion, type Migration } from './sqlite-migrations.ts';
import { STATE_MIGRATIONS } from './state-migrations.ts';

export interface StateDatabaseOptions {
  /** Tests pass extra migrations; the default is the shipped list. */
  migrations?: readonly Migration[];
}

export class StateDatabase implements StateStores {
  private feedbackStore: SqliteFeedbackStore | undefined;
  private digestStore: SqliteDigestStore | undefined;
  private digestVoteStore: SqliteDigestVoteStore | undefined;
  private settingsStore: SqliteSettingsStore | undefined;
  private jobClaimStore: SqliteJobClaimStore | undefined;
  private rateLimitStore: SqliteRateLimitStore | undefined;

  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating if needed) the state database at `file` and brings its schema up to date. */
  static open(file: string, { migrations = STATE_MIGRATIONS }: StateDatabaseOptions = {}): StateDatabase {
    let db: Database.Database;
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file);
    } catch (error) {
      throw stateFailure(error, file);
    }
    try {
      db.pragma('journal_mode = WAL');
      // Cheap for a file this size, and a damaged one is then named at start-up, not half way through a digest.
      const check = String(db.pragma('quick_check', { simple: true }));
      if (check !== 'ok') throw new UserError('E_STATE_CORRUPT', damagedState(file, check));
      db.pragma('synchronous = NORMAL');
      // Another process holding the write lock (a second shard) is waited for instead of failing at once.
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      migrate(db, migrations, {
        file,
        what: 'the state database',
        tooNewCode: 'E_STATE_TOO_NEW',
        tooNewAdvice: 'Update paperbot, or restore a backup of the state database.',
      });
      return new StateDatabase(db);
    } catch (error) {
      db.close();
      throw stateFailure(error, file);
    }
  }

  // Each store prepares its statements when built, and is built on first use: a file opened with fewer
  // migrations (a test's) then fails only where it lacks a table, not at open.

  /** Answers and the votes on them. */
  get feedback(): SqliteFeedbackStore {
    this.feedbackStore ??= new SqliteFeedbackStore(this.db);
    return this.feedbackStore;
  }

  /** Digest subscriptions and post records. */
  get digests(): SqliteDigestStore {
    this.digestStore ??= new SqliteDigestStore(this.db);
    return this.digestStore;
  }

  /** 👍/👎 on digest entries, per channel. */
  get digestVotes(): SqliteDigestVoteStore {
    this.digestVoteStore ??= new SqliteDigestVoteStore(this.db);
    return this.digestVoteStore;
  }

  /** Each server's /settings. */
  get guildSettings(): SqliteSettingsStore {
    this.settingsStore ??= new SqliteSettingsStore(this.db);
    return this.settingsStore;
  }

  /** Scheduled jobs' runs, one per job and period, claimed by one process of those sharing the file. */
  get jobClaims(): SqliteJobClaimStore {
    this.jobClaimStore ??= new SqliteJobClaimStore(this.db);
    return this.jobClaimStore;
  }

  /** Questions per user counted across the processes sharing the file (shards). */
  get rateLimits(): SqliteRateLimitStore {
    this.rateLimitStore ??= new SqliteRateLimitStore(this.db);
    return this.rateLimitStore;
  }

  /** The highest migration applied. */
  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  appliedMigrations(): AppliedMigration[] {
    return appliedMigrations(this.db);
  }

  /** SQLite's journal mode: `wal` for a file this module opened. */
  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  /** The names of the tables in the file, sorted (what a migration created, or a rolled-back one did not). */
  tables(): string[] {
    return this.db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((t) => t.name);
  }

  /**
   * Every row of every table but `schema_migrations`, as stored (ISO text instants, JSON text, 0/1), read in
   * one transaction so the tables agree with each other: what `npm run migrate-to-postgres` copies.
   */
  snapshot(): StateSnapshot {
    return this.db.transaction(() => ({
      version: this.schemaVersion(),
      tables: this.tables()
        .filter((name) => name !== 'schema_migrations' && !name.startsWith('sqlite_'))
        .map((name) => {
          const statement = this.db.prepare(`SELECT * FROM "${name}"`).raw();
          return { name, columns: statement.columns().map((c) => c.name), rows: statement.all() as unknown[][] };
        }),
    }))();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface StateSnapshot {
  /** The schema version the rows are in. */
  version: number;
  tables: { name: string; columns: string[]; rows: unknown[][] }[];
}

/**
 * A damaged state file is named and left alone: it is the one file paperbot cannot rebuild (subscriptions,
 * what was posted, feedback), so deleting or recreating it is the operator's decision, never the bot's.
 */
function damagedState(file: string, problem: string): string {
  return `The state database ${file} is damaged (${problem}): it holds the digest subscriptions and the feedback on answers, so paperbot leaves it as it is; restore it from a backup, or move it away to start with an empty one.`;
}

function stateFailure(error: unknown, file: string): unknown {
  if (error instanceof UserError) return error;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(errorCode(error) ?? '')) return new UserError('E_STATE_CORRUPT', damagedState(file, describeError(error)), { cause: error });
  return writeFailure(error, path.dirname(file), `${path.basename(file)} was not changed`) ?? error;
}
