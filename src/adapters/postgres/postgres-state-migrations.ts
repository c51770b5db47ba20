/**
 * The state schema on PostgreSQL, as migrations run by postgres-migrations.ts under the schema name 'state'.
 * Version for version the same tables, keys and checks as the SQLite state migrations
 * (src/adapters/store/state-migrations.ts), so that the same contract tests hold on both and a state file
 * can be copied over table by table; in Postgres types: instants are TIMESTAMPTZ, id lists JSONB, a local
 * date stays the `YYYY-MM-DD` text it is in its own zone. Append, never edit one that has shipped.
 */
import { sqlMigration, type PostgresMigration } from './postgres-migrations.ts';

export const POSTGRES_STATE_MIGRATIONS: readonly PostgresMigration[] = [
  sqlMigration(
    1,
    'answers and feedback',
    `CREATE TABLE answers (
      id TEXT PRIMARY KEY,
      created_at TIMESTAMPTZ NOT NULL,
      source TEXT NOT NULL,
      guild_id TEXT,
      channel_id TEXT,
      mode TEXT NOT NULL,
      question TEXT NOT NULL,
      answer TEXT NOT NULL,
      paper_ids JSONB NOT NULL
    );
    CREATE TABLE feedback (
      answer_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
      voted_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (answer_id, user_id)
    );
    CREATE INDEX feedback_by_time ON feedback (voted_at);`,
  ),
  // The (channel, local date) primary key of digest_posts is what makes a day's digest exactly-once across
  // processes: a claim is an INSERT … ON CONFLICT DO NOTHING, and only one of two racing claims writes a row.
  sqlMigration(
    2,
    'digest subscriptions and posts',
    `CREATE TABLE digest_subscriptions (
      channel_id TEXT PRIMARY KEY,
      guild_id TEXT NOT NULL,
      time TEXT NOT NULL,
      time_zone TEXT NOT NULL,
      count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10),
      topic TEXT,
      created_by TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      active_since TIMESTAMPTZ NOT NULL,
      last_error TEXT,
      last_error_at TIMESTAMPTZ
    );
    CREATE INDEX digest_subscriptions_by_guild ON digest_subscriptions (guild_id);
    CREATE TABLE digest_posts (
      channel_id TEXT NOT NULL,
      local_date TEXT NOT NULL CHECK (local_date ~ '^\\d{4}-\\d{2}-\\d{2}$'),
      guild_id TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
      paper_ids JSONB NOT NULL,
      picked_at TIMESTAMPTZ NOT NULL,
      posted_at TIMESTAMPTZ,
      message_ids JSONB NOT NULL DEFAULT '[]',
      error TEXT,
      PRIMARY KEY (channel_id, local_date)
    );
    CREATE INDEX digest_posts_by_time ON digest_posts (channel_id, picked_at);`,
  ),
  sqlMigration(
    3,
    'votes on digest entries',
    `CREATE TABLE digest_votes (
      channel_id TEXT NOT NULL,
      paper_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
      voted_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (channel_id, paper_id, user_id)
    );`,
  ),
  // The passages' sentences behind each citation of an answer ("Show evidence"), written with the answer.
  sqlMigration(
    4,
    'evidence with each answer',
    `CREATE TABLE answer_evidence (
      answer_id TEXT PRIMARY KEY,
      evidence JSONB NOT NULL
    );`,
  ),
  // One row per server that changed a setting with /settings; mention_channels NULL: every channel the bot can see.
  sqlMigration(
    5,
    'per-server settings',
    `CREATE TABLE guild_settings (
      guild_id TEXT PRIMARY KEY,
      answers_private BOOLEAN NOT NULL,
      mention_channels JSONB,
      digest_time_zone TEXT,
      updated_by TEXT NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL
    );`,
  ),
  // A job's run is claimed by INSERT … ON CONFLICT DO NOTHING on (job, period): one process of many gets it.
  // A user's rate-limit window is one row, locked by the upsert that reads it until its transaction ends.
  sqlMigration(
    6,
    'job runs and shared rate limits',
    `CREATE TABLE job_runs (
      job TEXT NOT NULL,
      period TEXT NOT NULL,
      holder TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('started', 'finished', 'failed')),
      started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      error TEXT,
      PRIMARY KEY (job, period)
    );
    CREATE INDEX job_runs_by_time ON job_runs (job, started_at);
    CREATE TABLE rate_limits (
      user_id TEXT PRIMARY KEY,
      times JSONB NOT NULL,
      warned_at BIGINT,
      seen_at BIGINT NOT NULL
    );
    CREATE INDEX rate_limits_by_time ON rate_limits (seen_at);`,
  ),
];
