/**
 * The answers the bot gave and the votes on them, in the state database's `answers` and `feedback` tables
 * (core's FeedbackStore on SQLite). Built by StateDatabase on its connection; its statements are prepared
 * once, here.
 */
import type Database from 'better-sqlite3';
import type { EvidenceQuote } from '../../core/feedback/answer-evidence.ts';
import type { FeedbackStore, FeedbackSummary, FeedbackVote, StoredAnswer, Vote } from '../../core/feedback/feedback-store.ts';

/** An answer row, selected under the domain type's names: the cited paper ids are a JSON array in the file. */
type AnswerRow = Omit<StoredAnswer, 'paperIds' | 'evidence'> & { paperIds: string };

export class SqliteFeedbackStore implements FeedbackStore {
  private readonly insertAnswer: Database.Statement<[Record<Exclude<keyof StoredAnswer, 'evidence'>, unknown>]>;
  private readonly selectAnswer: Database.Statement<[string], AnswerRow>;
  private readonly selectVote: Database.Statement<[string, string], { vote: Vote }>;
  private readonly upsertVote: Database.Statement<[string, string, Vote, string]>;
  private readonly selectVotes: Database.Statement<[string], FeedbackVote>;
  private readonly selectSummary: Database.Statement<[string], FeedbackSummary>;
  private readonly replaceVote: (vote: FeedbackVote) => { previous: Vote | null };
  private readonly db: Database.Database;
  /** The evidence statements, prepared on first use: a file of an older schema (a test's) still stores answers. */
  private evidenceStatements:
    | { record: (answer: Omit<StoredAnswer, 'evidence'>, evidence: string) => void; select: Database.Statement<[string], { evidence: string }> }
    | undefined;

  constructor(db: Database.Database) {
    this.db = db;
    this.insertAnswer = db.prepare<Record<Exclude<keyof StoredAnswer, 'evidence'>, unknown>>(
      `INSERT OR REPLACE INTO answers (id, created_at, source, guild_id, channel_id, mode, question, answer, paper_ids)
       VALUES (@id, @createdAt, @source, @guildId, @channelId, @mode, @question, @answer, @paperIds)`,
    );
    this.selectAnswer = db.prepare<[string], AnswerRow>(
      'SELECT id, created_at AS createdAt, source, guild_id AS guildId, channel_id AS channelId, mode, question, answer, paper_ids AS paperIds FROM answers WHERE id = ?',
    );
    this.selectVote = db.prepare<[string, string], { vote: Vote }>('SELECT vote FROM feedback WHERE answer_id = ? AND user_id = ?');
    this.upsertVote = db.prepare<[string, string, Vote, string]>(
      `INSERT INTO feedback (answer_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at`,
    );
    this.selectVotes = db.prepare<[string], FeedbackVote>('SELECT answer_id AS answerId, user_id AS userId, vote, voted_at AS votedAt FROM feedback WHERE answer_id = ? ORDER BY voted_at, user_id');
    this.selectSummary = db.prepare<[string], FeedbackSummary>(`SELECT COALESCE(SUM(vote = 'up'), 0) AS up, COALESCE(SUM(vote = 'down'), 0) AS down FROM feedback WHERE answer_id = ?`);
    this.replaceVote = db.transaction(({ answerId, userId, vote, votedAt }: FeedbackVote) => {
      const previous = this.selectVote.get(answerId, userId);
      this.upsertVote.run(answerId, userId, vote, votedAt);
      return { previous: previous?.vote ?? null };
    });
  }

  recordAnswer({ evidence, ...answer }: StoredAnswer): void {
    if (evidence === undefined) this.insertAnswer.run({ ...answer, paperIds: JSON.stringify(answer.paperIds) });
    else this.evidenceStatementsOnce().record(answer, JSON.stringify(evidence));
  }

  evidence(answerId: string): EvidenceQuote[] | undefined {
    const row = this.evidenceStatementsOnce().select.get(answerId);
    return row === undefined ? undefined : (JSON.parse(row.evidence) as EvidenceQuote[]);
  }

  private evidenceStatementsOnce(): NonNullable<SqliteFeedbackStore['evidenceStatements']> {
    if (this.evidenceStatements === undefined) {
      const insert = this.db.prepare<[string, string]>('INSERT OR REPLACE INTO answer_evidence (answer_id, evidence) VALUES (?, ?)');
      // The answer and its evidence in one transaction, made once like replaceVote (not a new one per answer).
      const record = this.db.transaction((answer: Omit<StoredAnswer, 'evidence'>, evidence: string) => {
        this.insertAnswer.run({ ...answer, paperIds: JSON.stringify(answer.paperIds) });
        insert.run(answer.id, evidence);
      });
      this.evidenceStatements = { record, select: this.db.prepare<[string], { evidence: string }>('SELECT evidence FROM answer_evidence WHERE answer_id = ?') };
    }
    return this.evidenceStatements;
  }

  getAnswer(id: string): StoredAnswer | undefined {
    const row = this.selectAnswer.get(id);
    return row === undefined ? undefined : { ...row, paperIds: JSON.parse(row.paperIds) as string[] };
  }

  recordVote(vote: FeedbackVote): { previous: Vote | null } {
    return this.replaceVote(vote);
  }

  votes(answerId: string): FeedbackVote[] {
    return this.selectVotes.all(answerId);
  }

  feedbackSummary(answerId: string): FeedbackSummary {
    const row = this.selectSummary.get(answerId);
    return { up: Number(row?.up ?? 0), down: Number(row?.down ?? 0) };
  }
}
