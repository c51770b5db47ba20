/**
 * Per-user rate limit on questions (sliding window, src/core/rate-limit/rate-limit.ts): checked before any
 * work is done, so a refused question costs nothing and never reaches the language model. Two limiters
 * behind one shape, `QuestionLimiter`: `RateLimiter` counts in memory, per process (the default: one bot
 * process; a restart forgives everyone, fine for a courtesy limit), and answers at once; `SharedRateLimiter`
 * counts in the state database's shared table, chosen when the state is shared by several bot processes
 * (shards, or PostgreSQL), so a user's questions count across all of them.
 */
import type { Awaitable } from '../core/awaitable.ts';
import { takeFromWindow, type RateDecision, type RateLimit, type RateLimitStore, type TakeOptions } from '../core/rate-limit/rate-limit.ts';

export type { RateDecision, RateLimit } from '../core/rate-limit/rate-limit.ts';

/** What the bot asks before answering: counts the question when allowed. */
export interface QuestionLimiter {
  /**
   * `visible`: the refusal would be a message everyone sees (a reply to a mention); `firstRefusal` then says
   * whether one was already shown in this window. Private refusals (ephemeral replies) are always "first".
   */
  take(userId: string, options?: TakeOptions): Awaitable<RateDecision>;
}

export class RateLimiter implements QuestionLimiter {
  private readonly asked = new Map<string, number[]>();
  private readonly warned = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Decides at once (no promise): the in-memory limiter costs an answer nothing. */
  take(userId: string, options: TakeOptions = {}): RateDecision {
    const now = this.now();
    this.sweep(now);
    const { decision, window } = takeFromWindow({ times: this.asked.get(userId) ?? [], warnedAt: this.warned.get(userId) ?? null }, now, this.limit, options);
    this.asked.set(userId, window.times);
    if (window.warnedAt !== null) this.warned.set(userId, window.warnedAt);
    return decision;
  }

  /** Users tracked right now (for tests and metrics). */
  get size(): number {
    return this.asked.size;
  }

  /** Forgets users idle for a whole window, so memory follows active users only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.limit.windowMs) return;
    this.lastSweep = now;
    const since = now - this.limit.windowMs;
    for (const [user, times] of this.asked) if ((times.at(-1) ?? 0) <= since) this.asked.delete(user);
    for (const [user, at] of this.warned) if (at <= since) this.warned.delete(user);
  }
}

/** The limit counted in a shared store (the state database), on the bot's clock. */
class SharedRateLimiter implements QuestionLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  take(userId: string, options: TakeOptions = {}): Awaitable<RateDecision> {
    return this.store.take(userId, this.now(), this.limit, options);
  }
}

/** The in-memory limiter, or with `shared` the state's store: one choice for the composition root. */
export function questionLimiter({ limit, now, shared, store }: { limit: RateLimit; now: () => number; shared: boolean; store: RateLimitStore }): QuestionLimiter {
  return shared ? new SharedRateLimiter(store, limit, now) : new RateLimiter(limit, now);
}
