/**
 * The precious state on PostgreSQL (`DATABASE_URL`), the counterpart of src/adapters/store/state-database.ts:
 * opening makes the pool, makes sure pgvector is there (the index side will need it; better to refuse at
 * start than half way), and brings the 'state' schema up to date with the same versioning rules as SQLite's.
 * Its stores implement the same ports (feedback, digests, digest votes, server settings, job runs, rate limits),
 * under the same contract tests.
 */
import type { AppliedMigration } from '../store/schema-versions.ts';
import type { StateStores } from '../../core/state-stores.ts';
import { ensurePgvector } from './pgvector.ts';
import { PostgresDigestStore } from './postgres-digest-store.ts';
import { PostgresDigestVoteStore } from './postgres-digest-vote-store.ts';
import { PostgresFeedbackStore } from './postgres-feedback-store.ts';
import { PostgresJobClaimStore } from './postgres-job-claim-store.ts';
import { migratePostgres, postgresAppliedMigrations, postgresSchemaVersion, type PostgresMigration } from './postgres-migrations.ts';
import { PostgresPool, type PostgresPoolOptions } from './postgres-pool.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';
import { PostgresSettingsStore } from './postgres-settings-store.ts';
import { POSTGRES_STATE_MIGRATIONS } from './postgres-state-migrations.ts';

/** The state's name in `schema_migrations`. */
const SCHEMA = 'state';

export interface PostgresStateOptions extends PostgresPoolOptions {
  /** Tests pass other migrations; the default is the shipped list. */
  migrations?: readonly PostgresMigration[];
}

export class PostgresStateDatabase implements StateStores {
  /** Answers and the votes on them. */
  readonly feedback: PostgresFeedbackStore;
  /** Digest subscriptions and post records. */
  readonly digests: PostgresDigestStore;
  /** 👍/👎 on digest entries, per channel. */
  readonly digestVotes: PostgresDigestVoteStore;
  /** Each server's /settings. */
  readonly guildSettings: PostgresSettingsStore;
  /** Scheduled jobs' runs, one per job and period, claimed by one process of all on the database. */
  readonly jobClaims: PostgresJobClaimStore;
  /** Questions per user counted across every process on the database. */
  readonly rateLimits: PostgresRateLimitStore;

  private constructor(readonly pool: PostgresPool) {
    this.feedback = new PostgresFeedbackStore(pool);
    this.digests = new PostgresDigestStore(pool);
    this.digestVotes = new PostgresDigestVoteStore(pool);
    this.guildSettings = new PostgresSettingsStore(pool);
    this.jobClaims = new PostgresJobClaimStore(pool);
    this.rateLimits = new PostgresRateLimitStore(pool);
  }

  static async open({ migrations = POSTGRES_STATE_MIGRATIONS, ...options }: PostgresStateOptions): Promise<PostgresStateDatabase> {
    const pool = new PostgresPool(options);
    try {
      await migratePostgres(pool, migrations, {
        schema: SCHEMA,
        prepare: ensurePgvector,
        what: 'the state database',
        tooNewCode: 'E_STATE_TOO_NEW',
        tooNewAdvice: 'Update paperbot, or restore a backup of the state database.',
      });
      return new PostgresStateDatabase(pool);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  schemaVersion(): Promise<number> {
    return postgresSchemaVersion(this.pool, SCHEMA);
  }

  appliedMigrations(): Promise<AppliedMigration[]> {
    return postgresAppliedMigrations(this.pool, SCHEMA);
  }

  /** The names of the tables in the database's current schema, sorted. */
  async tables(): Promise<string[]> {
    const rows = await this.pool.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE "C"`);
    return rows.map((r) => r.name);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
