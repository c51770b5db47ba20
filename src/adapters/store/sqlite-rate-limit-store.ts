/**
 * The questions rate limit counted in the state database's `rate_limits` table (core's RateLimitStore on
 * SQLite), for several bot processes on one `state.sqlite` (shards). One row per user: the
 * window's question times and the last visible refusal. `take` reads, decides (core's takeFromWindow, the
 * rule the in-memory limiter follows) and writes in one IMMEDIATE transaction: SQLite's write lock, held
 * from the read, makes concurrent takes from any processes count one after another. Built by StateDatabase.
 */
import type Database from 'better-sqlite3';
import { takeFromWindow, type RateDecision, type RateLimit, type RateLimitStore, type TakeOptions } from '../../core/rate-limit/rate-limit.ts';

interface Row {
  times: string;
  warnedAt: number | null;
}

export class SqliteRateLimitStore implements RateLimitStore {
  private readonly transact: Database.Transaction<(userId: string, now: number, limit: RateLimit, options: TakeOptions) => RateDecision>;
  private readonly sweep: Database.Statement<[number]>;
  private lastSweep = 0;

  constructor(db: Database.Database) {
    const select = db.prepare<[string], Row>('SELECT times, warned_at AS warnedAt FROM rate_limits WHERE user_id = ?');
    const upsert = db.prepare<[string, string, number | null, number]>(
      `INSERT INTO rate_limits (user_id, times, warned_at, seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET times = excluded.times, warned_at = excluded.warned_at, seen_at = excluded.seen_at`,
    );
    this.sweep = db.prepare('DELETE FROM rate_limits WHERE seen_at <= ?');
    this.transact = db.transaction((userId: string, now: number, limit: RateLimit, options: TakeOptions) => {
      const row = select.get(userId);
      const before = row === undefined ? { times: [], warnedAt: null } : { times: JSON.parse(row.times) as number[], warnedAt: row.warnedAt };
      const { decision, window } = takeFromWindow(before, now, limit, options);
      upsert.run(userId, JSON.stringify(window.times), window.warnedAt, now);
      return decision;
    });
  }

  take(userId: string, now: number, limit: RateLimit, options: TakeOptions = {}): RateDecision {
    // A window untouched for a whole windowMs decides nothing any more (its times and refusal are outside it).
    if (now - this.lastSweep >= limit.windowMs) {
      this.lastSweep = now;
      this.sweep.run(now - limit.windowMs);
    }
    return this.transact.immediate(userId, now, limit, options);
  }
}
