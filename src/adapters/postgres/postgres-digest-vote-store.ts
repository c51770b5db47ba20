/**
 * 👍/👎 on digest entries in PostgreSQL's `digest_votes` table (core's DigestVoteStore; the SQLite one is
 * src/adapters/store/sqlite-digest-vote-store.ts, under the same contract tests), and the papers of a posted
 * digest read from `digest_posts`, so that a button finds its paper by the digest's date and entry number.
 */
import type { ChannelVote, DigestVoteInput, DigestVoteStore } from '../../core/digest/digest-votes.ts';
import type { Vote } from '../../core/feedback/feedback-store.ts';
import type { PostgresPool } from './postgres-pool.ts';

export class PostgresDigestVoteStore implements DigestVoteStore {
  constructor(private readonly pool: PostgresPool) {}

  async postedPapers(channelId: string, localDate: string): Promise<string[] | undefined> {
    const [row] = await this.pool.query<{ paperIds: string[] }>(`SELECT paper_ids AS "paperIds" FROM digest_posts WHERE channel_id = $1 AND local_date = $2`, [channelId, localDate]);
    return row?.paperIds;
  }

  async recordVote({ channelId, paperId, userId, vote, votedAt }: DigestVoteInput): Promise<{ previous: Vote | null }> {
    // The CTE reads the row as it was before this statement's upsert: the vote it replaces.
    const [row] = await this.pool.query<{ previous: Vote | null }>(
      `WITH before AS (SELECT vote FROM digest_votes WHERE channel_id = $1 AND paper_id = $2 AND user_id = $3)
       INSERT INTO digest_votes (channel_id, paper_id, user_id, vote, voted_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (channel_id, paper_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
       RETURNING (SELECT vote FROM before) AS previous`,
      [channelId, paperId, userId, vote, votedAt],
    );
    return { previous: row?.previous ?? null };
  }

  async channelVotes(channelId: string): Promise<ChannelVote[]> {
    const rows = await this.pool.query<{ paperId: string; score: string }>(
      `SELECT paper_id AS "paperId", SUM(CASE vote WHEN 'up' THEN 1 ELSE -1 END) AS score FROM digest_votes
       WHERE channel_id = $1 GROUP BY paper_id HAVING SUM(CASE vote WHEN 'up' THEN 1 ELSE -1 END) <> 0 ORDER BY paper_id COLLATE "C"`,
      [channelId],
    );
    return rows.map((r) => ({ paperId: r.paperId, score: Number(r.score) }));
  }

  async tally(channelId: string): Promise<{ up: number; down: number }> {
    const [row] = await this.pool.query<{ up: string; down: string }>(
      `SELECT COUNT(*) FILTER (WHERE vote = 'up') AS up, COUNT(*) FILTER (WHERE vote = 'down') AS down FROM digest_votes WHERE channel_id = $1`,
      [channelId],
    );
    return { up: Number(row?.up ?? 0), down: Number(row?.down ?? 0) };
  }
}
