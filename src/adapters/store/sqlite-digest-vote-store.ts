/**
 * 👍/👎 on digest entries in the state database's `digest_votes` table (core's DigestVoteStore on SQLite),
 * and the papers of a posted digest read from `digest_posts`, so that a button can say which paper it
 * means by the digest's date and the entry's number. Built by StateDatabase on its connection.
 */
import type Database from 'better-sqlite3';
import type { ChannelVote, DigestVoteInput, DigestVoteStore } from '../../core/digest/digest-votes.ts';
import type { Vote } from '../../core/feedback/feedback-store.ts';

export class SqliteDigestVoteStore implements DigestVoteStore {
  private readonly selectPost: Database.Statement<[string, string], { paperIds: string }>;
  private readonly selectVote: Database.Statement<[string, string, string], { vote: Vote }>;
  private readonly upsertVote: Database.Statement<[string, string, string, Vote, string]>;
  private readonly selectScores: Database.Statement<[string], ChannelVote>;
  private readonly selectTally: Database.Statement<[string], { up: number | null; down: number | null }>;
  private readonly replaceVote: (vote: DigestVoteInput) => { previous: Vote | null };

  constructor(db: Database.Database) {
    this.selectPost = db.prepare<[string, string], { paperIds: string }>(`SELECT paper_ids AS paperIds FROM digest_posts WHERE channel_id = ? AND local_date = ?`);
    this.selectVote = db.prepare<[string, string, string], { vote: Vote }>('SELECT vote FROM digest_votes WHERE channel_id = ? AND paper_id = ? AND user_id = ?');
    this.upsertVote = db.prepare<[string, string, string, Vote, string]>(
      `INSERT INTO digest_votes (channel_id, paper_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, paper_id, user_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at`,
    );
    this.selectScores = db.prepare<[string], ChannelVote>(
      `SELECT paper_id AS paperId, SUM(CASE vote WHEN 'up' THEN 1 ELSE -1 END) AS score FROM digest_votes
       WHERE channel_id = ? GROUP BY paper_id HAVING score <> 0 ORDER BY paper_id`,
    );
    this.selectTally = db.prepare<[string], { up: number | null; down: number | null }>(
      `SELECT SUM(vote = 'up') AS up, SUM(vote = 'down') AS down FROM digest_votes WHERE channel_id = ?`,
    );
    this.replaceVote = db.transaction(({ channelId, paperId, userId, vote, votedAt }: DigestVoteInput) => {
      const previous = this.selectVote.get(channelId, paperId, userId);
      this.upsertVote.run(channelId, paperId, userId, vote, votedAt);
      return { previous: previous?.vote ?? null };
    });
  }

  postedPapers(channelId: string, localDate: string): string[] | undefined {
    const row = this.selectPost.get(channelId, localDate);
    return row === undefined ? undefined : (JSON.parse(row.paperIds) as string[]);
  }

  recordVote(vote: DigestVoteInput): { previous: Vote | null } {
    return this.replaceVote(vote);
  }

  tally(channelId: string): { up: number; down: number } {
    const row = this.selectTally.get(channelId);
    return { up: Number(row?.up ?? 0), down: Number(row?.down ?? 0) };
  }

  channelVotes(channelId: string): ChannelVote[] {
    return this.selectScores.all(channelId).map((v) => ({ paperId: v.paperId, score: Number(v.score) }));
  }
}
