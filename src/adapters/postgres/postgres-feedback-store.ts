/**
 * The answers the bot gave and the votes on them, in PostgreSQL's `answers` and `feedback` tables (core's
 * FeedbackStore; the SQLite one is src/adapters/store/sqlite-feedback-store.ts, and the same contract tests
 * hold for both). Each write is one statement, so no two processes see half of one.
 */
import type { EvidenceQuote } from '../../core/feedback/answer-evidence.ts';
import type { FeedbackStore, FeedbackSummary, FeedbackVote, StoredAnswer, Vote } from '../../core/feedback/feedback-store.ts';
import type { PostgresPool } from './postgres-pool.ts';

const ANSWER = `id, created_at AS "createdAt", source, guild_id AS "guildId", channel_id AS "channelId", mode, question, answer, paper_ids AS "paperIds"`;

type AnswerRow = Omit<StoredAnswer, 'createdAt' | 'evidence'> & { createdAt: Date };

const UPSERT_ANSWER = `INSERT INTO answers (id, created_at, source, guild_id, channel_id, mode, question, answer, paper_ids)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, source = excluded.source, guild_id = excluded.guild_id,
    channel_id = excluded.channel_id, mode = excluded.mode, question = excluded.question, answer = excluded.answer, paper_ids = excluded.paper_ids`;
type VoteRow = Omit<FeedbackVote, 'votedAt'> & { votedAt: Date };

export class PostgresFeedbackStore implements FeedbackStore {
  constructor(private readonly pool: PostgresPool) {}

  async recordAnswer({ evidence, ...answer }: StoredAnswer): Promise<void> {
    const values = [answer.id, answer.createdAt, answer.source, answer.guildId, answer.channelId, answer.mode, answer.question, answer.answer, JSON.stringify(answer.paperIds)];
    if (evidence === undefined) {
      await this.pool.execute(UPSERT_ANSWER, values);
      return;
    }
    // The answer and its evidence in one statement: never one without the other.
    await this.pool.execute(
      `WITH answer AS (${UPSERT_ANSWER})
       INSERT INTO answer_evidence (answer_id, evidence) VALUES ($1, $10) ON CONFLICT (answer_id) DO UPDATE SET evidence = excluded.evidence`,
      [...values, JSON.stringify(evidence)],
    );
  }

  async evidence(answerId: string): Promise<EvidenceQuote[] | undefined> {
    const [row] = await this.pool.query<{ evidence: EvidenceQuote[] }>('SELECT evidence FROM answer_evidence WHERE answer_id = $1', [answerId]);
    return row?.evidence;
  }

  async getAnswer(id: string): Promise<StoredAnswer | undefined> {
    const [row] = await this.pool.query<AnswerRow>(`SELECT ${ANSWER} FROM answers WHERE id = $1`, [id]);
    return row === undefined ? undefined : { ...row, createdAt: row.createdAt.toISOString() };
  }

  async recordVote({ answerId, userId, vote, votedAt }: FeedbackVote): Promise<{ previous: Vote | null }> {
    // The CTE reads the row as it was before this statement's upsert: the vote it replaces.
    const [row] = await this.pool.query<{ previous: Vote | null }>(
      `WITH before AS (SELECT vote FROM feedback WHERE answer_id = $1 AND user_id = $2)
       INSERT INTO feedback (answer_id, user_id, vote, voted_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
       RETURNING (SELECT vote FROM before) AS previous`,
      [answerId, userId, vote, votedAt],
    );
    return { previous: row?.previous ?? null };
  }

  async votes(answerId: string): Promise<FeedbackVote[]> {
    const rows = await this.pool.query<VoteRow>(
      `SELECT answer_id AS "answerId", user_id AS "userId", vote, voted_at AS "votedAt" FROM feedback WHERE answer_id = $1 ORDER BY voted_at, user_id COLLATE "C"`,
      [answerId],
    );
    return rows.map((r) => ({ ...r, votedAt: r.votedAt.toISOString() }));
  }

  async feedbackSummary(answerId: string): Promise<FeedbackSummary> {
    const [row] = await this.pool.query<{ up: string; down: string }>(
      `SELECT COUNT(*) FILTER (WHERE vote = 'up') AS up, COUNT(*) FILTER (WHERE vote = 'down') AS down FROM feedback WHERE answer_id = $1`,
      [answerId],
    );
    return { up: Number(row?.up ?? 0), down: Number(row?.down ?? 0) };
  }
}
