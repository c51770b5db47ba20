/**
 * The progress editor on a virtual clock the test moves: edits at most one per interval, counted from the
 * deferral and from the start of the previous edit, always the latest update, nothing after finish().
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../dev/virtual-clock.ts';
import { ProgressEditor } from './progress-editor.ts';

/** An editor whose sends take `sendMs` of virtual time; `advance` moves time and lets the editor react. */
function editor({ intervalMs = 1500, sendMs = 0, startedAt }: { intervalMs?: number; sendMs?: number; startedAt?: number } = {}) {
  const clock = new VirtualClock({ startMs: 1_000_000 });
  const sent: Array<{ update: string; at: number }> = [];
  const errors: unknown[] = [];
  const e = new ProgressEditor<string>({
    intervalMs,
    send: async (update) => {
      sent.push({ update, at: clock.now() });
      if (sendMs > 0) await clock.sleep(sendMs);
      if (update === 'boom') throw new Error('edit failed');
    },
    onError: (error) => errors.push(error),
    now: () => clock.now(),
    sleep: (ms, signal) => clock.sleep(ms, signal),
    ...(startedAt === undefined ? {} : { startedAt }),
  });
  const advance = async (ms: number): Promise<void> => {
    // In steps, so what the editor starts on one step (the next wait) is due on a later one.
    for (let left = ms; left > 0; left -= 10) {
      clock.advance(Math.min(10, left));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { e, sent, errors, clock, advance, start: clock.now() };
}

describe('ProgressEditor', () => {
  it('sends at most one edit per interval, always the latest update', async () => {
    const { e, sent, start, advance } = editor();
    for (let i = 1; i <= 40; i++) {
      e.update(`text ${i}`);
      await advance(100);
    }
    await e.finish();
    expect(sent.map((s) => s.at - start)).toEqual([1500, 3000]);
    expect(sent.map((s) => s.update)).toEqual(['text 15', 'text 30']);
  });

  it('waits a full interval after the deferral before the first edit', async () => {
    const { e, sent, clock, advance } = editor({ startedAt: 1_000_000 - 1000 });
    e.update('searching');
    await advance(499);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent).toEqual([{ update: 'searching', at: clock.now() }]);
    await e.finish();
  });

  it('sends nothing when the work finishes within the first interval', async () => {
    const { e, sent, clock, advance } = editor();
    e.update('searching');
    await advance(500);
    await e.finish();
    await advance(5000);
    expect(sent).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('counts the interval from the start of an edit: a slow edit does not delay the next one', async () => {
    const { e, sent, start, advance } = editor({ sendMs: 1000 });
    for (let i = 1; i <= 35; i++) {
      e.update(`text ${i}`);
      await advance(100);
    }
    // The edit started at 3,000 is still being sent; finish() waits for it.
    const finishing = e.finish();
    await advance(1000);
    await finishing;
    expect(sent.map((s) => s.at - start)).toEqual([1500, 3000]);
  });

  it('finish waits for the edit in flight and cancels what is pending', async () => {
    const { e, sent, advance } = editor({ sendMs: 800 });
    e.update('a');
    await advance(1500);
    expect(sent.map((s) => s.update)).toEqual(['a']);
    e.update('b');
    let done = false;
    const finishing = e.finish().then(() => {
      done = true;
    });
    await advance(400);
    expect(done).toBe(false);
    await advance(400);
    await finishing;
    expect(done).toBe(true);
    await advance(5000);
    expect(sent.map((s) => s.update)).toEqual(['a']);
  });

  it('reports a failed edit and keeps going', async () => {
    const { e, sent, errors, advance } = editor({ intervalMs: 1000 });
    e.update('boom');
    await advance(1000);
    e.update('fine');
    await advance(1000);
    await e.finish();
    expect(errors).toHaveLength(1);
    expect(sent.map((s) => s.update)).toEqual(['boom', 'fine']);
  });
});
