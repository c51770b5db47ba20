/**
 * The questions rate limit counted in PostgreSQL's `rate_limits` table (core's RateLimitStore; the SQLite
 * one is src/adapters/store/sqlite-rate-limit-store.ts, under the same contract tests), shared by every
 * bot process on the database. One row per user: the window's question times and the last visible refusal.
 * `take` is one transaction: an upsert that creates or touches the user's row and returns it, holding
 * that row's lock until commit; the decision (core's takeFromWindow, the in-memory limiter's rule); the
 * row written back. Concurrent takes of one user, from any sessions, wait on that row and count one after
 * another (tested against a real PostgreSQL with separate sessions: 20 at once with a limit of 5 → 5).
 */
import { takeFromWindow, type RateDecision, type RateLimit, type RateLimitStore, type TakeOptions } from '../../core/rate-limit/rate-limit.ts';
import type { PostgresPool } from './postgres-pool.ts';

export class PostgresRateLimitStore implements RateLimitStore {
  private lastSweep = 0;

  constructor(private readonly pool: PostgresPool) {}

  async take(userId: string, now: number, limit: RateLimit, options: TakeOptions = {}): Promise<RateDecision> {
    if (now - this.lastSweep >= limit.windowMs) {
      this.lastSweep = now;
      // Its own statement, outside the take: it locks only rows idle for a whole window, never one a take holds.
      await this.pool.execute('DELETE FROM rate_limits WHERE seen_at <= $1', [now - limit.windowMs]);
    }
    return this.pool.transaction(async (client) => {
      const locked = await client.query<{ times: number[]; warnedAt: string | null }>(
        `INSERT INTO rate_limits (user_id, times, warned_at, seen_at) VALUES ($1, '[]', NULL, $2)
         ON CONFLICT (user_id) DO UPDATE SET seen_at = excluded.seen_at
         RETURNING times, warned_at AS "warnedAt"`,
        [userId, now],
      );
      const row = locked.rows[0];
      // BIGINT arrives as text from pg.
      const warnedAt = row?.warnedAt ?? null;
      const before = { times: row?.times ?? [], warnedAt: warnedAt === null ? null : Number(warnedAt) };
      const { decision, window } = takeFromWindow(before, now, limit, options);
      await client.query('UPDATE rate_limits SET times = $2, warned_at = $3 WHERE user_id = $1', [userId, JSON.stringify(window.times), window.warnedAt]);
      return decision;
    });
  }
}
