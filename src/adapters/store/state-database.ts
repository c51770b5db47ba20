/**
 * The precious state (`data/state.sqlite`), kept apart from the rebuildable index: answers the bot gave and
 * the feedback on them; digest subscriptions and what each channel's digest posted. WAL mode, so the bot and
 * a second process (a shard, a script) can read while one writes.
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

/** A channel's daily digest. One per channel: subscribing again changes it. */
export interface DigestSubscription {
  channelId: string;
  guildId: string;
  /** Local time of day, `HH:MM`. */
  time: string;
  /** IANA time zone. */
  timeZone: string;
  /** Papers per digest, 1–10. */
  count: number;
  topic: string | null;
  /** The user who last subscribed or changed it. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Creation, or the last change of time or zone (ISO): no digest is due for a scheduled time before it. */
  activeSince: string;
  /** Why the last attempt failed (a sentence), until a digest is posted again. */
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface DigestSubscriptionInput {
  channelId: string;
  guildId: string;
  time: string;
  timeZone: string;
  count: number;
  topic: string | null;
  userId: string;
  now: Date;
}

/**
 * `sending`: claimed, being sent (or the process died while sending: then it is never sent again);
 * `sent`: at least one of its messages reached the channel; `failed`: none did (the next day tries again).
 */
export type DigestPostStatus = 'sending' | 'sent' | 'failed';

export interface DigestPost {
  channelId: string;
  /** The local date (`YYYY-MM-DD`, the subscription's zone) the digest is for. */
  localDate: string;
  guildId: string;
  status: DigestPostStatus;
  /** The papers it showed, in entry order. */
  paperIds: string[];
  /** The instant its papers were picked (papers added after it are "new" in the next digest). */
  pickedAt: string;
  postedAt: string | null;
  messageIds: string[];
  error: string | null;
}

export interface DigestClaim {
  channelId: string;
  guildId: string;
  localDate: string;
  paperIds: readonly string[];
  pickedAt: Date;
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

  // ----- digests -----------------------------------------------------------------------------------------

  /**
   * Creates the channel's subscription, or changes it (the channel keeps its history). `activeSince` moves
   * only when the time or the zone changes, so changing the count or topic never makes a day's digest due
   * again or skips one.
   */
  saveDigestSubscription(input: DigestSubscriptionInput): { subscription: DigestSubscription; created: boolean } {
    return this.db.transaction(() => {
      const now = input.now.toISOString();
      const existing = this.digestSubscription(input.channelId);
      if (existing === undefined) {
        this.db
          .prepare(
            `INSERT INTO digest_subscriptions (channel_id, guild_id, time, time_zone, count, topic, created_by, created_at, updated_at, active_since)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(input.channelId, input.guildId, input.time, input.timeZone, input.count, input.topic, input.userId, now, now, now);
      } else {
        const moved = existing.time !== input.time || existing.timeZone !== input.timeZone;
        this.db
          .prepare(
            `UPDATE digest_subscriptions SET guild_id = ?, time = ?, time_zone = ?, count = ?, topic = ?, created_by = ?, updated_at = ?, active_since = ?
             WHERE channel_id = ?`,
          )
          .run(input.guildId, input.time, input.timeZone, input.count, input.topic, input.userId, now, moved ? now : existing.activeSince, input.channelId);
      }
      const subscription = this.digestSubscription(input.channelId);
      if (subscription === undefined) throw new Error(`digest subscription ${input.channelId} vanished while being saved`);
      return { subscription, created: existing === undefined };
    }).immediate();
  }

  /** Ends the channel's subscription (the only way one is ever deleted); its post history stays. */
  deleteDigestSubscription(channelId: string): DigestSubscription | undefined {
    return this.db.transaction(() => {
      const existing = this.digestSubscription(channelId);
      if (existing !== undefined) this.db.prepare('DELETE FROM digest_subscriptions WHERE channel_id = ?').run(channelId);
      return existing;
    }).immediate();
  }

  digestSubscription(channelId: string): DigestSubscription | undefined {
    const row = this.db.prepare('SELECT * FROM digest_subscriptions WHERE channel_id = ?').get(channelId) as SubscriptionRow | undefined;
    return row === undefined ? undefined : toSubscription(row);
  }

  /** Every subscription, or a server's, oldest first. */
  digestSubscriptions({ guildId }: { guildId?: string } = {}): DigestSubscription[] {
    const rows = (
      guildId === undefined
        ? this.db.prepare('SELECT * FROM digest_subscriptions ORDER BY created_at, channel_id').all()
        : this.db.prepare('SELECT * FROM digest_subscriptions WHERE guild_id = ? ORDER BY created_at, channel_id').all(guildId)
    ) as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  /** The latest local date the channel has a post record for, whatever became of it: no second post that day. */
  latestDigestDate(channelId: string): string | null {
    const row = this.db.prepare('SELECT MAX(local_date) AS d FROM digest_posts WHERE channel_id = ?').get(channelId) as { d: string | null };
    return row.d;
  }

  /** What the channel was shown, oldest first (only posts that reached it), and when the last one was picked. */
  digestHistory(channelId: string): { posts: Array<{ paperIds: string[] }>; lastPostAt: Date | null } {
    const rows = this.db
      .prepare(`SELECT paper_ids, picked_at FROM digest_posts WHERE channel_id = ? AND status = 'sent' ORDER BY picked_at, local_date`)
      .all(channelId) as Array<{ paper_ids: string; picked_at: string }>;
    const last = rows.at(-1);
    return { posts: rows.map((r) => ({ paperIds: JSON.parse(r.paper_ids) as string[] })), lastPostAt: last === undefined ? null : new Date(last.picked_at) };
  }

  /** The channel's post records, oldest first. */
  digestPosts(channelId: string): DigestPost[] {
    const rows = this.db.prepare('SELECT * FROM digest_posts WHERE channel_id = ? ORDER BY picked_at, local_date').all(channelId) as PostRow[];
    return rows.map(toPost);
  }

  /** The channel's latest post record (by the time its papers were picked), or its latest one that was sent. */
  lastDigestPost(channelId: string, { sent = false }: { sent?: boolean } = {}): DigestPost | undefined {
    const row = this.db
      .prepare(`SELECT * FROM digest_posts WHERE channel_id = ? ${sent ? "AND status = 'sent'" : ''} ORDER BY picked_at DESC, local_date DESC LIMIT 1`)
      .get(channelId) as PostRow | undefined;
    return row === undefined ? undefined : toPost(row);
  }

  /**
   * Claims the channel's digest for `localDate` before anything is sent: true when this caller may send it.
   * In one IMMEDIATE transaction (one writer, across processes): the subscription still exists, and the
   * channel has no record for this date or a later one; then the record is written with its papers, as
   * `sending`. Whatever happens after (a crash, a restart, a second process), that day is never sent again.
   */
  claimDigestPost({ channelId, guildId, localDate, paperIds, pickedAt }: DigestClaim): boolean {
    return this.db.transaction(() => {
      if (this.digestSubscription(channelId) === undefined) return false;
      const latest = this.latestDigestDate(channelId);
      if (latest !== null && latest >= localDate) return false;
      this.db
        .prepare(`INSERT INTO digest_posts (channel_id, local_date, guild_id, status, paper_ids, picked_at) VALUES (?, ?, ?, 'sending', ?, ?)`)
        .run(channelId, localDate, guildId, JSON.stringify(paperIds), pickedAt.toISOString());
      return true;
    }).immediate();
  }

  /** The claimed digest reached the channel: the record becomes `sent`, and the subscription's error is cleared. */
  completeDigestPost({ channelId, localDate, postedAt, messageIds }: { channelId: string; localDate: string; postedAt: Date; messageIds: readonly string[] }): void {
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE digest_posts SET status = 'sent', posted_at = ?, message_ids = ?, error = NULL WHERE channel_id = ? AND local_date = ?`)
        .run(postedAt.toISOString(), JSON.stringify(messageIds), channelId, localDate);
      this.db.prepare('UPDATE digest_subscriptions SET last_error = NULL, last_error_at = NULL WHERE channel_id = ?').run(channelId);
    })();
  }

  /**
   * Sending the claimed digest failed. The record keeps the claim (that day is not tried again; the next day
   * is): `sent` when some of its messages got through (the channel saw those papers), else `failed`. The
   * error is recorded on the subscription for `/digest status`.
   */
  failDigestPost({ channelId, localDate, at, error, messageIds }: { channelId: string; localDate: string; at: Date; error: string; messageIds: readonly string[] }): void {
    this.db.transaction(() => {
      const delivered = messageIds.length > 0;
      this.db
        .prepare(`UPDATE digest_posts SET status = ?, posted_at = ?, message_ids = ?, error = ? WHERE channel_id = ? AND local_date = ?`)
        .run(delivered ? 'sent' : 'failed', delivered ? at.toISOString() : null, JSON.stringify(messageIds), error, channelId, localDate);
      this.recordDigestError({ channelId, at, error });
    })();
  }

  /** Records why a digest could not be posted (shown by `/digest status` until one is posted). */
  recordDigestError({ channelId, at, error }: { channelId: string; at: Date; error: string }): void {
    this.db.prepare('UPDATE digest_subscriptions SET last_error = ?, last_error_at = ? WHERE channel_id = ?').run(error, at.toISOString(), channelId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface SubscriptionRow {
  channel_id: string;
  guild_id: string;
  time: string;
  time_zone: string;
  count: number;
  topic: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  active_since: string;
  last_error: string | null;
  last_error_at: string | null;
}

function toSubscription(row: SubscriptionRow): DigestSubscription {
  return {
    channelId: row.channel_id,
    guildId: row.guild_id,
    time: row.time,
    timeZone: row.time_zone,
    count: row.count,
    topic: row.topic,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    activeSince: row.active_since,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
  };
}

interface PostRow {
  channel_id: string;
  local_date: string;
  guild_id: string;
  status: DigestPostStatus;
  paper_ids: string;
  picked_at: string;
  posted_at: string | null;
  message_ids: string;
  error: string | null;
}

function toPost(row: PostRow): DigestPost {
  return {
    channelId: row.channel_id,
    localDate: row.local_date,
    guildId: row.guild_id,
    status: row.status,
    paperIds: JSON.parse(row.paper_ids) as string[],
    pickedAt: row.picked_at,
    postedAt: row.posted_at,
    messageIds: JSON.parse(row.message_ids) as string[],
    error: row.error,
  };
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
