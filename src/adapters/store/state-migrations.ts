/**
 * The schema of the state database (`data/state.sqlite`), as an ordered list of migrations run by
 * sqlite-migrations.ts. To change the schema, append a migration with the next version; never edit one
 * that has shipped: state files written by every earlier paperbot must keep opening.
 */
import type { Migration } from './sqlite-migrations.ts';

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
  {
    version: 2,
    name: 'digest subscriptions and posts',
    // One subscription per channel (the channel id is its key). A post row is the idempotency key of a day's
    // digest, (channel, local date): it is claimed before sending and outlives the subscription, so a channel
    // that subscribes again keeps its history (no paper repeats) and its day's digest is never posted twice.
    up: (db) =>
      db.exec(`
        CREATE TABLE digest_subscriptions (
          channel_id TEXT PRIMARY KEY,
          guild_id TEXT NOT NULL,
          time TEXT NOT NULL,
          time_zone TEXT NOT NULL,
          count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 10),
          topic TEXT,
          created_by TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          active_since TEXT NOT NULL,
          last_error TEXT,
          last_error_at TEXT
        );
        CREATE INDEX digest_subscriptions_by_guild ON digest_subscriptions(guild_id);
        CREATE TABLE digest_posts (
          channel_id TEXT NOT NULL,
          local_date TEXT NOT NULL,
          guild_id TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
          paper_ids TEXT NOT NULL,
          picked_at TEXT NOT NULL,
          posted_at TEXT,
          message_ids TEXT NOT NULL DEFAULT '[]',
          error TEXT,
          PRIMARY KEY (channel_id, local_date)
        );
        CREATE INDEX digest_posts_by_time ON digest_posts(channel_id, picked_at);
      `),
  },
  {
    version: 3,
    name: 'votes on digest entries',
    // One vote per person per paper per channel (a second replaces the first): a channel's verdict on a
    // paper shapes that channel's next digests, so the channel is part of the key, not the message.
    up: (db) =>
      db.exec(`
        CREATE TABLE digest_votes (
          channel_id TEXT NOT NULL,
          paper_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
          voted_at TEXT NOT NULL,
          PRIMARY KEY (channel_id, paper_id, user_id)
        );
      `),
  },
  {
    version: 4,
    name: 'evidence with each answer',
    // The passages' sentences behind each citation of an answer, as JSON: "Show evidence" reads them back
    // after a restart, or after a rebuild changed the passages. A table of its own, written with the answer.
    up: (db) =>
      db.exec(`
        CREATE TABLE answer_evidence (
          answer_id TEXT PRIMARY KEY,
          evidence TEXT NOT NULL
        );
      `),
  },
  {
    version: 5,
    name: 'per-server settings',
    // One row per server that changed a setting with /settings; a server without a row has the defaults.
    // mention_channels is a JSON array of channel ids, NULL for "every channel the bot can see".
    up: (db) =>
      db.exec(`
        CREATE TABLE guild_settings (
          guild_id TEXT PRIMARY KEY,
          answers_private INTEGER NOT NULL CHECK (answers_private IN (0, 1)),
          mention_channels TEXT,
          digest_time_zone TEXT,
          updated_by TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `),
  },
  {
    version: 6,
    name: 'job runs and shared rate limits',
    // job_runs: one row per scheduled job and period (the daily arXiv fetch: its local date), claimed before
    // the job runs, so of several bot processes on this file exactly one runs it; the row then says how it
    // ended (/about). rate_limits: each user's questions in the current window (a JSON array of ms instants)
    // and last visible refusal, read and written in one IMMEDIATE transaction, for processes counting
    // together (shards); seen_at lets idle windows be swept.
    up: (db) =>
      db.exec(`
        CREATE TABLE job_runs (
          job TEXT NOT NULL,
          period TEXT NOT NULL,
          holder TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('started', 'finished', 'failed')),
          started_at TEXT NOT NULL,
          finished_at TEXT,
          error TEXT,
          PRIMARY KEY (job, period)
        );
        CREATE INDEX job_runs_by_time ON job_runs(job, started_at);
        CREATE TABLE rate_limits (
          user_id TEXT PRIMARY KEY,
          times TEXT NOT NULL,
          warned_at INTEGER,
          seen_at INTEGER NOT NULL
        );
        CREATE INDEX rate_limits_by_time ON rate_limits(seen_at);
      `),
  },
];
