/**
 * The retry budget on its own, on a virtual clock: when the deadline passes, how long the waits are, and when
 * a retry is not worth starting.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { VirtualClock } from '../../dev/virtual-clock.ts';
import { CallBudget, parseRetryAfter, retryWaitMs, withRetries, type AttemptFailure, type RetryOptions } from './retry-budget.ts';

/** Lets every callback that is already due run (the deadline's abort is one). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

class AttemptError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.kind);
  }
}

function options(maxRetries: number): RetryOptions<AttemptFailure> {
  return {
    maxRetries,
    logger: silentLogger,
    classify: (error) => (error instanceof AttemptError ? error.failure : { kind: 'stopped', retryable: false }),
    fail: (failure, attempts) => new Error(`${failure.kind} after ${attempts}`),
  };
}

describe('call budget', () => {
  it('aborts its signal when the time is up, not a millisecond before', async () => {
    const clock = new VirtualClock();
    const budget = new CallBudget({ timeoutMs: 1_500, clock });

    clock.advance(1_499);
    await settle();
    expect(budget.signal.aborted).toBe(false);

    clock.advance(1);
    await settle();
    expect(budget.signal.aborted).toBe(true);
    expect(budget).toMatchObject({ timedOut: true, callerAborted: false, stopped: true });
  });

  it("aborts at once with the caller's signal, and tells it apart from the deadline", () => {
    const controller = new AbortController();
    const budget = new CallBudget({ timeoutMs: 1_000, signal: controller.signal, clock: new VirtualClock() });

    controller.abort();

    expect(budget.signal.aborted).toBe(true);
    expect(budget).toMatchObject({ timedOut: false, callerAborted: true });
  });

  it('ends its deadline when disposed, so a finished call leaves no timer behind', () => {
    const clock = new VirtualClock();
    const budget = new CallBudget({ timeoutMs: 1_000, clock });
    expect(clock.pending).toBe(1);

    budget.dispose();

    expect(clock.pending).toBe(0);
  });
});

describe('retries', () => {
  it('retries a retryable failure after the backoff and returns the later success', async () => {
    const clock = new VirtualClock({ skipBelowMs: 5_000 });
    const budget = new CallBudget({ timeoutMs: 5_000, clock });
    let calls = 0;

    const result = await withRetries(budget, options(2), async () => {
      calls += 1;
      if (calls < 3) throw new AttemptError({ kind: 'server', retryable: true });
      return 'done';
    });

    const [, ...waits] = clock.sleeps;
    expect(result).toBe('done');
    expect(waits).toHaveLength(2);
    expect(clock.now()).toBe(waits.reduce((sum, ms) => sum + ms, 0));
  });

  it('gives up at once when the wait and a last attempt would not fit in what is left', async () => {
    const clock = new VirtualClock({ skipBelowMs: 2_000 });
    const budget = new CallBudget({ timeoutMs: 2_000, clock });
    let calls = 0;

    const outcome = withRetries(budget, options(5), async () => {
      calls += 1;
      throw new AttemptError({ kind: 'rate-limited', retryable: true, retryAfterMs: 1_600 });
    });

    await expect(outcome).rejects.toThrow('rate-limited after 1');
    expect(calls).toBe(1);
    expect(clock.now()).toBe(0);
  });

  it('does not retry what is not retryable', async () => {
    const budget = new CallBudget({ timeoutMs: 5_000, clock: new VirtualClock() });
    let calls = 0;

    const outcome = withRetries(budget, options(3), async () => {
      calls += 1;
      throw new AttemptError({ kind: 'auth', retryable: false });
    });

    await expect(outcome).rejects.toThrow('auth after 1');
    expect(calls).toBe(1);
  });
});

describe('waits', () => {
  it('doubles from 0.5 s up to the 4 s cap, less at most a quarter of jitter', () => {
    expect([0, 1, 2, 3, 4].map((n) => retryWaitMs(n, undefined, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(retryWaitMs(0, undefined, () => 0.999)).toBe(375);
  });

  it("follows the server's retry-after, but never past the cap", () => {
    expect(retryWaitMs(0, 1_200)).toBe(1_200);
    expect(retryWaitMs(0, 120_000)).toBe(4_000);
    expect(retryWaitMs(0, -5)).toBe(0);
  });

  it('reads retry-after-ms, retry-after in seconds, and retry-after as an HTTP date', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '1.5' }), now)).toBe(1_500);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' }), now)).toBe(30_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
