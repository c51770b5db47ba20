/**
 * Per-user rate limit on questions (sliding window): at most `questions` in any `windowMs`. Checked before
 * any work is done, so a refused question costs nothing and never reaches the language model. In memory,
 * per process: a restart forgives everyone, which is fine for a courtesy limit.
 */
export interface RateLimit {
  questions: number;
  windowMs: number;
}

export type RateDecision =
  | { allowed: true }
  /** `firstRefusal`: the first refusal in this window, for channels where each refusal would be a visible message. */
  | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

export class RateLimiter {
  private readonly asked = new Map<string, number[]>();
  private readonly warned = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts the question when allowed. `visible`: the refusal would be a message everyone sees (a reply to a
   * mention); `firstRefusal` then says whether one was already shown in this window. Private refusals
   * (ephemeral replies) are always "first".
   */
  take(userId: string, { visible = false }: { visible?: boolean } = {}): RateDecision {
    const now = this.now();
    this.sweep(now);
    const since = now - this.limit.windowMs;
    const times = (this.asked.get(userId) ?? []).filter((t) => t > since);
    if (times.length >= this.limit.questions) {
      const retryAfterMs = (times[0] ?? now) + this.limit.windowMs - now;
      const warnedAt = this.warned.get(userId);
      const firstRefusal = !visible || warnedAt === undefined || warnedAt <= since;
      if (visible && firstRefusal) this.warned.set(userId, now);
      this.asked.set(userId, times);
      return { allowed: false, retryAfterMs, firstRefusal };
    }
    times.push(now);
    this.asked.set(userId, times);
    return { allowed: true };
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
