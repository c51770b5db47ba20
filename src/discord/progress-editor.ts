/**
 * Throttles progress edits of one message: at most one edit per `intervalMs` (Discord allows about five
 * edits per five seconds per channel, and several answers may share a channel), always showing the latest
 * state, never two edits in flight, and `finish()` waits for any edit in flight so the final answer is
 * never overwritten by a late progress edit.
 */
export interface ProgressEditorOptions<T> {
  /** Sends one edit; failures are reported to `onError` and do not stop the answer. */
  send: (update: T) => Promise<void>;
  intervalMs: number;
  onError: (error: unknown) => void;
  now?: () => number;
  /** When the message was last written (e.g. the deferral): the first edit waits a full interval after it. */
  startedAt?: number;
}

export class ProgressEditor<T> {
  private pending: { update: T } | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt: number;
  private finished = false;
  private readonly now: () => number;
  /** Edits actually sent (for logs and tests). */
  sent = 0;

  constructor(private readonly options: ProgressEditorOptions<T>) {
    this.now = options.now ?? Date.now;
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
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.timer !== null || this.inFlight !== null || this.pending === null) return;
    const wait = this.lastSentAt + this.options.intervalMs - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, wait);
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
