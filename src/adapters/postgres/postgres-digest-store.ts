/**
 * Digest subscriptions and post records in PostgreSQL's `digest_subscriptions` and `digest_posts` tables
 * (core's DigestStore; the SQLite one is src/adapters/store/sqlite-digest-store.ts, under the same contract
 * tests). Every write that decides something is ONE statement, so its guarantee holds across processes and
 * rests on what the server enforces in a single statement, not on locks between sessions: the day's claim
 * is `INSERT … ON CONFLICT DO NOTHING` on the (channel, local date) key, so of two processes claiming the
 * same day exactly one writes the row and posts; a subscription is saved by one upsert.
 */
import type {
  DigestClaim,
  DigestHistory,
  DigestPost,
  DigestStore,
  DigestSubscription,
  DigestSubscriptionInput,
} from '../../core/digest/digest-store.ts';
import type { PostgresPool } from './postgres-pool.ts';

const SUBSCRIPTION = `channel_id AS "channelId", guild_id AS "guildId", time, time_zone AS "timeZone", count, topic, created_by AS "createdBy",
  created_at AS "createdAt", updated_at AS "updatedAt", active_since AS "activeSince", last_error AS "lastError", last_error_at AS "lastErrorAt"`;
const POST = `channel_id AS "channelId", local_date AS "localDate", guild_id AS "guildId", status, paper_ids AS "paperIds", picked_at AS "pickedAt",
  posted_at AS "postedAt", message_ids AS "messageIds", error`;

/** Rows as `pg` returns them: TIMESTAMPTZ columns are Dates (the domain types hold ISO strings). */
type SubscriptionRow = Omit<DigestSubscription, 'createdAt' | 'updatedAt' | 'activeSince' | 'lastErrorAt'> & {
  createdAt: Date;
  updatedAt: Date;
  activeSince: Date;
  lastErrorAt: Date | null;
};
type PostRow = Omit<DigestPost, 'pickedAt' | 'postedAt'> & { pickedAt: Date; postedAt: Date | null };

type Done = Parameters<DigestStore['completePost']>[0];
type Failure = Parameters<DigestStore['failPost']>[0];
type ErrorRecord = Parameters<DigestStore['recordError']>[0];

export class PostgresDigestStore implements DigestStore {
  constructor(private readonly pool: PostgresPool) {}

  async saveSubscription(input: DigestSubscriptionInput): Promise<{ subscription: DigestSubscription; created: boolean }> {
    const now = input.now.toISOString();
    // One upsert: activeSince moves only when the time or the zone changes; `xmax = 0` holds for a row this
    // statement inserted (an updated row carries the updating transaction's id).
    const [row] = await this.pool.query<SubscriptionRow & { created: boolean }>(
      `INSERT INTO digest_subscriptions AS s (channel_id, guild_id, time, time_zone, count, topic, created_by, created_at, updated_at, active_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)
       ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id, time = excluded.time, time_zone = excluded.time_zone,
         count = excluded.count, topic = excluded.topic, created_by = excluded.created_by, updated_at = excluded.updated_at,
         active_since = CASE WHEN s.time = excluded.time AND s.time_zone = excluded.time_zone THEN s.active_since ELSE excluded.active_since END
       RETURNING ${SUBSCRIPTION}, (xmax = 0) AS created`,
      [input.channelId, input.guildId, input.time, input.timeZone, input.count, input.topic, input.userId, now],
    );
    if (row === undefined) throw new Error(`digest subscription ${input.channelId} was not saved`);
    const { created, ...subscription } = row;
    return { subscription: toSubscription(subscription), created };
  }

  async deleteSubscription(channelId: string): Promise<DigestSubscription | undefined> {
    const [row] = await this.pool.query<SubscriptionRow>(`DELETE FROM digest_subscriptions WHERE channel_id = $1 RETURNING ${SUBSCRIPTION}`, [channelId]);
    return row === undefined ? undefined : toSubscription(row);
  }

  async subscription(channelId: string): Promise<DigestSubscription | undefined> {
    const [row] = await this.pool.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION} FROM digest_subscriptions WHERE channel_id = $1`, [channelId]);
    return row === undefined ? undefined : toSubscription(row);
  }

  async subscriptions({ guildId }: { guildId?: string } = {}): Promise<DigestSubscription[]> {
    const rows = await this.pool.query<SubscriptionRow>(
      `SELECT ${SUBSCRIPTION} FROM digest_subscriptions WHERE $1::text IS NULL OR guild_id = $1 ORDER BY created_at, channel_id COLLATE "C"`,
      [guildId ?? null],
    );
    return rows.map(toSubscription);
  }

  async latestPostDate(channelId: string): Promise<string | null> {
    const [row] = await this.pool.query<{ d: string | null }>('SELECT MAX(local_date) AS d FROM digest_posts WHERE channel_id = $1', [channelId]);
    return row?.d ?? null;
  }

  async history(channelId: string): Promise<DigestHistory> {
    const rows = await this.pool.query<{ paperIds: string[]; pickedAt: Date }>(
      `SELECT paper_ids AS "paperIds", picked_at AS "pickedAt" FROM digest_posts WHERE channel_id = $1 AND status = 'sent' ORDER BY picked_at, local_date`,
      [channelId],
    );
    return { posts: rows.map((r) => ({ paperIds: r.paperIds })), lastPostAt: rows.at(-1)?.pickedAt ?? null };
  }

  /** The channel's post records, oldest first (for inspection: the digest itself reads `history`). */
  async posts(channelId: string): Promise<DigestPost[]> {
    const rows = await this.pool.query<PostRow>(`SELECT ${POST} FROM digest_posts WHERE channel_id = $1 ORDER BY picked_at, local_date`, [channelId]);
    return rows.map(toPost);
  }

  async lastPost(channelId: string, { sent = false }: { sent?: boolean } = {}): Promise<DigestPost | undefined> {
    const [row] = await this.pool.query<PostRow>(
      `SELECT ${POST} FROM digest_posts WHERE channel_id = $1 AND (NOT $2 OR status = 'sent') ORDER BY picked_at DESC, local_date DESC LIMIT 1`,
      [channelId, sent],
    );
    return row === undefined ? undefined : toPost(row);
  }

  async claimPost({ channelId, guildId, localDate, paperIds, pickedAt }: DigestClaim): Promise<boolean> {
    // The conditions of the claim (still subscribed, no record for this day or a later one) and the write are
    // one statement; the primary key decides between two processes claiming the same day at once.
    const written = await this.pool.execute(
      `INSERT INTO digest_posts (channel_id, local_date, guild_id, status, paper_ids, picked_at)
       SELECT $1, $2, $3, 'sending', $4::jsonb, $5::timestamptz
       WHERE EXISTS (SELECT 1 FROM digest_subscriptions WHERE channel_id = $1)
         AND NOT EXISTS (SELECT 1 FROM digest_posts WHERE channel_id = $1 AND local_date >= $2)
       ON CONFLICT (channel_id, local_date) DO NOTHING`,
      [channelId, localDate, guildId, JSON.stringify(paperIds), pickedAt.toISOString()],
    );
    return written === 1;
  }

  async completePost({ channelId, localDate, postedAt, messageIds }: Done): Promise<void> {
    await this.pool.execute(
      `WITH post AS (UPDATE digest_posts SET status = 'sent', posted_at = $3, message_ids = $4, error = NULL WHERE channel_id = $1 AND local_date = $2)
       UPDATE digest_subscriptions SET last_error = NULL, last_error_at = NULL WHERE channel_id = $1`,
      [channelId, localDate, postedAt.toISOString(), JSON.stringify(messageIds)],
    );
  }

  async failPost({ channelId, localDate, at, error, messageIds }: Failure): Promise<void> {
    // Some messages got through: the channel saw those papers, so the record counts as sent.
    const delivered = messageIds.length > 0;
    await this.pool.execute(
      `WITH post AS (UPDATE digest_posts SET status = $3, posted_at = $4, message_ids = $5, error = $6 WHERE channel_id = $1 AND local_date = $2)
       UPDATE digest_subscriptions SET last_error = $6, last_error_at = $7 WHERE channel_id = $1`,
      [channelId, localDate, delivered ? 'sent' : 'failed', delivered ? at.toISOString() : null, JSON.stringify(messageIds), error, at.toISOString()],
    );
  }

  async recordError({ channelId, at, error }: ErrorRecord): Promise<void> {
    await this.pool.execute('UPDATE digest_subscriptions SET last_error = $2, last_error_at = $3 WHERE channel_id = $1', [channelId, error, at.toISOString()]);
  }
}

function toSubscription(row: SubscriptionRow): DigestSubscription {
  return {
    ...row,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    activeSince: row.activeSince.toISOString(),
    lastErrorAt: row.lastErrorAt?.toISOString() ?? null,
  };
}

function toPost(row: PostRow): DigestPost {
  return { ...row, pickedAt: row.pickedAt.toISOString(), postedAt: row.postedAt?.toISOString() ?? null };
}
