/**
 * Digest subscriptions and post records in the state database's `digest_subscriptions` and `digest_posts`
 * tables (core's DigestStore on SQLite). Built by StateDatabase on its connection; its statements and
 * transactions are prepared once, here. The writes that decide something (save, delete, claim) run in
 * IMMEDIATE transactions: SQLite's one writer across processes is what makes a claim exclusive.
 */
import type Database from 'better-sqlite3';
import type {
  DigestClaim,
  DigestHistory,
  DigestPost,
  DigestPostStatus,
  DigestStore,
  DigestSubscription,
  DigestSubscriptionInput,
} from '../../core/digest/digest-store.ts';

// Columns selected under the names of the domain types: a subscription row is a DigestSubscription as it is.
const SUBSCRIPTION = `channel_id AS channelId, guild_id AS guildId, time, time_zone AS timeZone, count, topic, created_by AS createdBy,
  created_at AS createdAt, updated_at AS updatedAt, active_since AS activeSince, last_error AS lastError, last_error_at AS lastErrorAt`;
const POST = `channel_id AS channelId, local_date AS localDate, guild_id AS guildId, status, paper_ids AS paperIds, picked_at AS pickedAt,
  posted_at AS postedAt, message_ids AS messageIds, error`;

/** A post row: the paper and message ids are JSON arrays in the file. */
type PostRow = Omit<DigestPost, 'paperIds' | 'messageIds'> & { paperIds: string; messageIds: string };

type Done = Parameters<DigestStore['completePost']>[0];
type Failure = Parameters<DigestStore['failPost']>[0];
type ErrorRecord = Parameters<DigestStore['recordError']>[0];

/** The statements, by what they do; prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    subscription: db.prepare<[string], DigestSubscription>(`SELECT ${SUBSCRIPTION} FROM digest_subscriptions WHERE channel_id = ?`),
    allSubscriptions: db.prepare<[], DigestSubscription>(`SELECT ${SUBSCRIPTION} FROM digest_subscriptions ORDER BY created_at, channel_id`),
    guildSubscriptions: db.prepare<[string], DigestSubscription>(`SELECT ${SUBSCRIPTION} FROM digest_subscriptions WHERE guild_id = ? ORDER BY created_at, channel_id`),
    insertSubscription: db.prepare<[string, string, string, string, number, string | null, string, string, string, string]>(
      `INSERT INTO digest_subscriptions (channel_id, guild_id, time, time_zone, count, topic, created_by, created_at, updated_at, active_since)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateSubscription: db.prepare<[string, string, string, number, string | null, string, string, string, string]>(
      `UPDATE digest_subscriptions SET guild_id = ?, time = ?, time_zone = ?, count = ?, topic = ?, created_by = ?, updated_at = ?, active_since = ?
       WHERE channel_id = ?`,
    ),
    deleteSubscription: db.prepare<[string]>('DELETE FROM digest_subscriptions WHERE channel_id = ?'),
    setError: db.prepare<[string | null, string | null, string]>('UPDATE digest_subscriptions SET last_error = ?, last_error_at = ? WHERE channel_id = ?'),
    latestDate: db.prepare<[string], { d: string | null }>('SELECT MAX(local_date) AS d FROM digest_posts WHERE channel_id = ?'),
    sentPosts: db.prepare<[string], Pick<PostRow, 'paperIds' | 'pickedAt'>>(
      `SELECT paper_ids AS paperIds, picked_at AS pickedAt FROM digest_posts WHERE channel_id = ? AND status = 'sent' ORDER BY picked_at, local_date`,
    ),
    posts: db.prepare<[string], PostRow>(`SELECT ${POST} FROM digest_posts WHERE channel_id = ? ORDER BY picked_at, local_date`),
    lastPost: db.prepare<[string], PostRow>(`SELECT ${POST} FROM digest_posts WHERE channel_id = ? ORDER BY picked_at DESC, local_date DESC LIMIT 1`),
    lastSentPost: db.prepare<[string], PostRow>(`SELECT ${POST} FROM digest_posts WHERE channel_id = ? AND status = 'sent' ORDER BY picked_at DESC, local_date DESC LIMIT 1`),
    insertPost: db.prepare<[string, string, string, string, string]>(
      `INSERT INTO digest_posts (channel_id, local_date, guild_id, status, paper_ids, picked_at) VALUES (?, ?, ?, 'sending', ?, ?)`,
    ),
    completePost: db.prepare<[string, string, string, string]>(
      `UPDATE digest_posts SET status = 'sent', posted_at = ?, message_ids = ?, error = NULL WHERE channel_id = ? AND local_date = ?`,
    ),
    failPost: db.prepare<[DigestPostStatus, string | null, string, string, string, string]>(
      'UPDATE digest_posts SET status = ?, posted_at = ?, message_ids = ?, error = ? WHERE channel_id = ? AND local_date = ?',
    ),
  };
}

export class SqliteDigestStore implements DigestStore {
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly save: Database.Transaction<(input: DigestSubscriptionInput) => { subscription: DigestSubscription; created: boolean }>;
  private readonly remove: Database.Transaction<(channelId: string) => DigestSubscription | undefined>;
  private readonly claim: Database.Transaction<(claim: DigestClaim) => boolean>;
  private readonly complete: Database.Transaction<(done: Done) => void>;
  private readonly fail: Database.Transaction<(failure: Failure) => void>;

  constructor(db: Database.Database) {
    const sql = prepareStatements(db);
    this.sql = sql;
    this.save = db.transaction((input: DigestSubscriptionInput) => {
      const now = input.now.toISOString();
      const existing = this.subscription(input.channelId);
      if (existing === undefined) {
        sql.insertSubscription.run(input.channelId, input.guildId, input.time, input.timeZone, input.count, input.topic, input.userId, now, now, now);
      } else {
        const moved = existing.time !== input.time || existing.timeZone !== input.timeZone;
        sql.updateSubscription.run(input.guildId, input.time, input.timeZone, input.count, input.topic, input.userId, now, moved ? now : existing.activeSince, input.channelId);
      }
      const subscription = this.subscription(input.channelId);
      if (subscription === undefined) throw new Error(`digest subscription ${input.channelId} vanished while being saved`);
      return { subscription, created: existing === undefined };
    });
    this.remove = db.transaction((channelId: string) => {
      const existing = this.subscription(channelId);
      if (existing !== undefined) sql.deleteSubscription.run(channelId);
      return existing;
    });
    this.claim = db.transaction(({ channelId, guildId, localDate, paperIds, pickedAt }: DigestClaim) => {
      if (this.subscription(channelId) === undefined) return false;
      const latest = this.latestPostDate(channelId);
      if (latest !== null && latest >= localDate) return false;
      sql.insertPost.run(channelId, localDate, guildId, JSON.stringify(paperIds), pickedAt.toISOString());
      return true;
    });
    this.complete = db.transaction(({ channelId, localDate, postedAt, messageIds }: Done) => {
      sql.completePost.run(postedAt.toISOString(), JSON.stringify(messageIds), channelId, localDate);
      sql.setError.run(null, null, channelId);
    });
    this.fail = db.transaction(({ channelId, localDate, at, error, messageIds }: Failure) => {
      const delivered = messageIds.length > 0;
      sql.failPost.run(delivered ? 'sent' : 'failed', delivered ? at.toISOString() : null, JSON.stringify(messageIds), error, channelId, localDate);
      this.recordError({ channelId, at, error });
    });
  }

  saveSubscription(input: DigestSubscriptionInput): { subscription: DigestSubscription; created: boolean } {
    return this.save.immediate(input);
  }

  deleteSubscription(channelId: string): DigestSubscription | undefined {
    return this.remove.immediate(channelId);
  }

  subscription(channelId: string): DigestSubscription | undefined {
    return this.sql.subscription.get(channelId);
  }

  subscriptions({ guildId }: { guildId?: string } = {}): DigestSubscription[] {
    return guildId === undefined ? this.sql.allSubscriptions.all() : this.sql.guildSubscriptions.all(guildId);
  }

  latestPostDate(channelId: string): string | null {
    return this.sql.latestDate.get(channelId)?.d ?? null;
  }

  history(channelId: string): DigestHistory {
    const rows = this.sql.sentPosts.all(channelId);
    const last = rows.at(-1);
    return { posts: rows.map((r) => ({ paperIds: JSON.parse(r.paperIds) as string[] })), lastPostAt: last === undefined ? null : new Date(last.pickedAt) };
  }

  /** The channel's post records, oldest first (for inspection: the digest itself reads `history`). */
  posts(channelId: string): DigestPost[] {
    return this.sql.posts.all(channelId).map(toPost);
  }

  lastPost(channelId: string, { sent = false }: { sent?: boolean } = {}): DigestPost | undefined {
    const row = (sent ? this.sql.lastSentPost : this.sql.lastPost).get(channelId);
    return row === undefined ? undefined : toPost(row);
  }

  claimPost(claim: DigestClaim): boolean {
    return this.claim.immediate(claim);
  }

  completePost(done: Done): void {
    this.complete(done);
  }

  failPost(failure: Failure): void {
    this.fail(failure);
  }

  recordError({ channelId, at, error }: ErrorRecord): void {
    this.sql.setError.run(error, at.toISOString(), channelId);
  }
}

function toPost(row: PostRow): DigestPost {
  return { ...row, paperIds: JSON.parse(row.paperIds) as string[], messageIds: JSON.parse(row.messageIds) as string[] };
}
