import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressEditor } from './progress-editor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function editor(intervalMs = 1500, sendMs = 0) {
  const sent: Array<{ update: string; at: number }> = [];
  const errors: unknown[] = [];
  const e = new ProgressEditor<string>({
    intervalMs,
    send: async (update) => {
      sent.push({ update, at: Date.now() });
      if (sendMs > 0) await new Promise((r) => setTimeout(r, sendMs));
      if (update === 'boom') throw new Error('edit failed');
    },
    onError: (error) => errors.push(error),
  });
  return { e, sent, errors, start: Date.now() };
}

describe('ProgressEditor', () => {
  it('sends at most one edit per interval, always the latest update', async () => {
    const { e, sent, start } = editor();
    for (let i = 1; i <= 40; i++) {
      e.update(`text ${i}`);
      await vi.advanceTimersByTimeAsync(100);
    }
    await e.finish();
    const gaps = sent.map((s, i) => s.at - (i === 0 ? start : (sent[i - 1]?.at ?? 0)));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1500);
    expect(sent.at(-1)?.update).not.toBe('text 1');
  });

  it('sends nothing when the work finishes within the first interval', async () => {
    const { e, sent } = editor();
    e.update('searching');
    await vi.advanceTimersByTimeAsync(500);
    await e.finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual([]);
  });

  it('finish waits for the edit in flight and cancels what is pending', async () => {
    const { e, sent } = editor(1500, 800);
    e.update('a');
    await vi.advanceTimersByTimeAsync(1500);
    expect(sent.map((s) => s.update)).toEqual(['a']);
    e.update('b');
    let done = false;
    const finishing = e.finish().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(400);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    await finishing;
    expect(done).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent.map((s) => s.update)).toEqual(['a']);
  });

  it('reports a failed edit and keeps going', async () => {
    const { e, sent, errors } = editor(1000);
    e.update('boom');
    await vi.advanceTimersByTimeAsync(1000);
    e.update('fine');
    await vi.advanceTimersByTimeAsync(1000);
    await e.finish();
    expect(errors).toHaveLength(1);
    expect(sent.map((s) => s.update)).toEqual(['boom', 'fine']);
  });
});
