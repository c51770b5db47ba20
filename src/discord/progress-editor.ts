/**
 * Throttles progress edits of one message: at most one edit per `intervalMs` (Discord allows about five
 * edits per five seconds per channel, and several answers may share a channel), always showing the latest
 * state, never two edits in flight, and `finish()` waits for any edit in flight so the final answer is
 * never overwritten by a late progress edit. Time comes from `now` and `sleep`, so tests drive it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProgressEditorOptions<T> {
  /** Sends one edit; failures are reported to `onError` and do not stop the answer. */
  send: (update: T) => Promise<void>;
  intervalMs: number;
  onError: (error: unknown) => void;
  /** Milliseconds, e.g. Date.now. */
  now?: () => number;
  /** Resolves after `ms`; rejects when `signal` aborts (the editor aborts it when it finishes). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** When the message was last written (e.g. the deferral): the first edit waits a full interval after it. */
  startedAt?: number;
}

const realSleep = (ms: number, signal: AbortSignal): Promise<void> => sleep(ms, undefined, { signal });

export class ProgressEditor<T> {
  private pending: { update: T } | null = null;
  private inFlight: Promise<void> | null = null;
  /** Ends the wait for the next allowed edit, when there is one. */
  private waiting: AbortController | null = null;
  private lastSentAt: number;
  private finished = false;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Edits actually sent (for logs and tests). */
  sent = 0;

  constructor(private readonly options: ProgressEditorOptions<T>) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.lastSentAt = options.startedAt ?? this.now();
  }

  update(update: T): void {
    if (this.finished) return;
    this.pending = { update };
    this.schedule();
  }

  /** Drops any pending update and waits for the edit in flight, if any. */
  async finish(): Promise<void> {
    this.finished = true;
    this.pending = null;
    this.waiting?.abort();
    this.waiting = null;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.waiting !== null || this.inFlight !== null || this.pending === null) return;
    const wait = this.lastSentAt + this.options.intervalMs - this.now();
    if (wait > 0) {
      const waiting = new AbortController();
      this.waiting = waiting;
      this.sleep(wait, waiting.signal).then(
        () => {
          this.waiting = null;
          this.schedule();
        },
        (error: unknown) => {
          // Aborted by finish(): nothing is left to send.
          if (waiting.signal.aborted) return;
          this.waiting = null;
          this.options.onError(error);
        },
      );
      return;
    }
    const { update } = this.pending;
    this.pending = null;
    this.lastSentAt = this.now();
    this.sent += 1;
    this.inFlight = this.options
      .send(update)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.inFlight = null;
        // Measured from the start of the edit: a slow edit does not delay the next one further.
        if (!this.finished) this.schedule();
      });
  }
}
