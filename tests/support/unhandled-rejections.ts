/**
 * Collects the promise rejections nobody handled, with the test that was running when each happened, so
 * the test during which one happened fails and names it. discord.js, the openai client and our own
 * fire-and-forget work surface a bug only this way; vitest alone reports it for the run, not the test.
 * `setup-unhandled-rejections.ts` installs one collector per test file; this module is its logic.
 */

export interface UnhandledRejection {
  reason: unknown;
  /** The test running when it was reported; null between tests (a hook, or work an earlier test left running). */
  during: string | null;
}

export class RejectionCollector {
  private readonly seen: UnhandledRejection[] = [];
  private current: string | null = null;

  /** What the process's `unhandledRejection` listener calls. */
  readonly record = (reason: unknown): void => {
    this.seen.push({ reason, during: this.current });
  };

  /** Marks the test now running (null when it is over). */
  enter(testName: string | null): void {
    this.current = testName;
  }

  /** Everything recorded since the last call, oldest first; the collector forgets it. */
  take(): UnhandledRejection[] {
    return this.seen.splice(0);
  }

  /** Throws one error naming every rejection recorded since the last check (and where it happened), if any. */
  assertNone(where: string): void {
    const taken = this.take();
    if (taken.length === 0) return;
    const lines = taken.map(({ reason, during }) => `- ${during === null ? 'between tests' : `during "${during}"`}: ${describeReason(reason)}`);
    throw new Error(`${taken.length} unhandled promise rejection${taken.length === 1 ? '' : 's'} ${where}:\n${lines.join('\n')}`);
  }
}

/** The reason as a reader needs it: an error's stack (which says where it was thrown), else its text. */
export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch (error) {
    // A cyclic object: its tag is the most we can say without risking another throw.
    return `${Object.prototype.toString.call(reason)} (not serializable: ${String(error)})`;
  }
}

/** Resolves after the process has had a turn to emit `unhandledRejection` for promises rejected just now. */
export function afterPendingRejections(): Promise<void> {
  // Node reports an unhandled rejection after the microtask queue drains; a macrotask turn is past that.
  return new Promise((resolve) => setImmediate(resolve));
}
