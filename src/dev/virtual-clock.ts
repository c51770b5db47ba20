/**
 * Development tool, not product code: a `{ now, sleep }` clock for tests whose time moves only when the test
 * says so, so code that waits (the LLM retry budget) is tested without sleeping and without timing asserts.
 *
 * `advance(ms)` ends every sleep due by then, in order. Sleeps shorter than `skipBelowMs` end at once, time
 * jumping to their end: with `skipBelowMs` set to a call's budget, retry waits cost no real time while the
 * call's deadline (a sleep of the whole budget) still waits for `advance`.
 */

export interface VirtualClockOptions {
  /** Sleeps shorter than this end at once (default 0: none do). */
  skipBelowMs?: number;
  /** What `now()` returns before any time has passed (default 0). */
  startMs?: number;
}

interface Timer {
  due: number;
  resolve: () => void;
}

export class VirtualClock {
  /** Every sleep asked for, in milliseconds, in order (skipped ones included). */
  readonly sleeps: number[] = [];
  private time: number;
  private readonly skipBelowMs: number;
  private timers: Timer[] = [];

  constructor({ skipBelowMs = 0, startMs = 0 }: VirtualClockOptions = {}) {
    this.skipBelowMs = skipBelowMs;
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Like `timers/promises` setTimeout: rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    const slept = new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        due: this.time + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal?.reason as unknown);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
    if (ms < this.skipBelowMs) this.advance(ms);
    return slept;
  }

  /** Moves time forward by `ms`, ending the sleeps that are due by then, earliest first. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.due <= this.time).sort((a, b) => a.due - b.due);
    this.timers = this.timers.filter((t) => t.due > this.time);
    for (const timer of due) timer.resolve();
  }

  /** Sleeps not yet ended. */
  get pending(): number {
    return this.timers.length;
  }
}
