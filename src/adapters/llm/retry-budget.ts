/**
 * One time budget per LLM call, covering every attempt and every wait between them. Waits follow a doubling
 * backoff or the server's `retry-after`, but never longer than a cap (a chat user is waiting), and no retry
 * starts when too little of the budget would be left for it. The clock is injected so tests skip the waits.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.ts';

/** What the budget needs of time; tests pass a virtual clock (src/dev/virtual-clock.ts). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal === undefined ? {} : { signal }),
};

/** First backoff wait; doubles per retry. */
export const RETRY_BASE_MS = 500;
/** No wait between attempts is longer than this, whatever `retry-after` says. */
export const RETRY_WAIT_CAP_MS = 4_000;
/** Retrying is pointless when less than this would be left for the attempt itself. */
export const MIN_ATTEMPT_MS = 500;

/** One call's deadline plus the caller's signal, merged into the signal every attempt and wait runs under. */
export class CallBudget {
  readonly signal: AbortSignal;
  timedOut = false;
  callerAborted = false;
  private readonly clock: Clock;
  private readonly started: number;
  private readonly deadline: number;
  private readonly controller = new AbortController();
  /** Ends the deadline's sleep once the call is over. */
  private readonly over = new AbortController();
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = (): void => {
    this.callerAborted = true;
    this.controller.abort();
  };

  constructor({ timeoutMs, signal, clock = systemClock }: { timeoutMs: number; signal?: AbortSignal | undefined; clock?: Clock }) {
    this.clock = clock;
    this.signal = this.controller.signal;
    this.started = clock.now();
    this.deadline = this.started + timeoutMs;
    this.callerSignal = signal;
    void clock.sleep(timeoutMs, this.over.signal).then(
      () => {
        this.timedOut = true;
        this.controller.abort();
      },
      (error: unknown) => {
        // Rejected because dispose() ended the sleep: the call finished in time.
        if (!this.over.signal.aborted) throw error;
      },
    );
    if (signal?.aborted) this.onCallerAbort();
    else signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get stopped(): boolean {
    return this.timedOut || this.callerAborted;
  }

  remainingMs(): number {
    return this.deadline - this.clock.now();
  }

  elapsedMs(): number {
    return this.clock.now() - this.started;
  }

  /** Waits `ms` unless the deadline passes or the caller aborts first (then rejects). */
  wait(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.signal);
  }

  now(): number {
    return this.clock.now();
  }

  dispose(): void {
    this.over.abort();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** What an attempt's error means for retrying; `kind` and `status` also go into the debug log. */
export interface AttemptFailure {
  kind: string;
  retryable: boolean;
  status?: number;
  /** The server's `retry-after`, when it sent one. */
  retryAfterMs?: number;
}

export interface RetryOptions<F extends AttemptFailure> {
  /** Attempts after the first. */
  maxRetries: number;
  logger: Logger;
  /** Judges a failed attempt (or, with `undefined`, a budget that stopped before one could start). */
  classify: (error: unknown) => F;
  /** The error the call fails with, after `attempts` attempts. */
  fail: (failure: F, attempts: number, cause: unknown) => Error;
}

/** Runs `attempt` under the budget's signal until it succeeds, may not be retried, or the budget cannot cover a retry. */
export async function withRetries<T, F extends AttemptFailure>(
  budget: CallBudget,
  { maxRetries, logger, classify, fail }: RetryOptions<F>,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    if (budget.stopped) throw fail(classify(undefined), attemptNumber - 1, undefined);
    try {
      const result = await attempt(budget.signal);
      logger.debug({ attempt: attemptNumber, elapsedMs: budget.elapsedMs() }, 'LLM call succeeded');
      return result;
    } catch (error) {
      const failure = classify(error);
      const fields = { attempt: attemptNumber, kind: failure.kind, status: failure.status, elapsedMs: budget.elapsedMs() };
      if (!failure.retryable || attemptNumber > maxRetries) {
        logger.debug(fields, 'LLM attempt failed; not retrying');
        throw fail(failure, attemptNumber, error);
      }
      const waitMs = retryWaitMs(attemptNumber - 1, failure.retryAfterMs);
      if (waitMs + MIN_ATTEMPT_MS > budget.remainingMs()) {
        logger.debug({ ...fields, waitMs, remainingMs: budget.remainingMs() }, 'LLM attempt failed; no time left to retry');
        throw fail(failure, attemptNumber, error);
      }
      logger.debug({ ...fields, waitMs, retryAfterMs: failure.retryAfterMs }, 'LLM attempt failed; retrying');
      try {
        await budget.wait(waitMs);
      } catch (waitError) {
        throw fail(classify(waitError), attemptNumber, waitError);
      }
    }
  }
}

/** Backoff 0.5 s × 2^n with up to 25 % jitter, or the server's `retry-after`; never more than the cap. */
export function retryWaitMs(retryIndex: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), RETRY_WAIT_CAP_MS);
  const backoff = Math.min(RETRY_BASE_MS * 2 ** retryIndex, RETRY_WAIT_CAP_MS);
  return Math.round(backoff * (1 - random() * 0.25));
}

/** `retry-after-ms` (OpenAI's), then `retry-after` in seconds or as an HTTP date (relative to `nowMs`). */
export function parseRetryAfter(headers: Headers | undefined, nowMs: number): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const value = headers?.get('retry-after');
  if (value === null || value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? date - nowMs : undefined;
}
