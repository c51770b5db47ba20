/**
 * The per-user rate limit on questions, as a rule: at most `questions` in any `windowMs` (a sliding
 * window), and for refusals everyone would see (a reply to a mention) whether this is the first one of the
 * window, so only that one is shown. `takeFromWindow` is the rule on one user's recent questions, pure;
 * the in-memory limiter (src/discord/rate-limiter.ts) and the shared `RateLimitStore`s (SQLite and
 * PostgreSQL state, for several bot processes counting together) all decide with it, so they cannot differ.
 */
import type { Awaitable } from '../awaitable.ts';

export interface RateLimit {
  questions: number;
  windowMs: number;
}

export type RateDecision =
  | { allowed: true }
  /** `firstRefusal`: the first refusal in this window, for channels where each refusal would be a visible message. */
  | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

/** What is kept per user: the instants (ms) of the questions counted in the window, and of the last visible refusal. */
export interface RateWindow {
  times: number[];
  warnedAt: number | null;
}

export interface TakeOptions {
  /** The refusal would be a message everyone sees: `firstRefusal` then says whether one was shown in this window already. */
  visible?: boolean;
}

/**
 * Counts a question at `now` when the window has room. Private refusals (ephemeral replies) are always
 * "first". Times are compared, not assumed in order: processes with their own clocks add to one window.
 */
export function takeFromWindow(window: RateWindow, now: number, limit: RateLimit, { visible = false }: TakeOptions = {}): { decision: RateDecision; window: RateWindow } {
  const since = now - limit.windowMs;
  const times = window.times.filter((t) => t > since);
  if (times.length >= limit.questions) {
    const oldest = times.reduce((a, b) => Math.min(a, b), now);
    const firstRefusal = !visible || window.warnedAt === null || window.warnedAt <= since;
    const warnedAt = visible && firstRefusal ? now : window.warnedAt;
    return { decision: { allowed: false, retryAfterMs: oldest + limit.windowMs - now, firstRefusal }, window: { times, warnedAt } };
  }
  times.push(now);
  return { decision: { allowed: true }, window: { times, warnedAt: window.warnedAt } };
}

/**
 * The rate limit counted in a shared table, for several processes: `take` reads, decides and writes one
 * user's window atomically (a transaction holding that user's row), so concurrent questions of one user
 * from any processes are counted exactly. Windows idle for a whole `windowMs` are swept.
 */
export interface RateLimitStore {
  take(userId: string, now: number, limit: RateLimit, options?: TakeOptions): Awaitable<RateDecision>;
}
