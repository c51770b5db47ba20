/**
 * The scheduler without a platform (see digest.fixture.ts): a day's digest goes out at most once whatever
 * fails or restarts (claim before sending), failures are recorded in the sender's words and retried the
 * next day, one channel's trouble never stops another's digest, and one channel runs one digest at a time.
 */
import { describe, expect, it } from 'vitest';
import { NOTHING_NEW_TEXT } from '../core/digest/digest-message.ts';
import { candidates, recordingSender, subscribe, useDigestFixture } from './digest.fixture.ts';
import type { DigestSender } from './digest-sender.ts';

const f = useDigestFixture();

describe('DigestScheduler', () => {
  it('posts a channel’s digest once its local time has passed, once per local day', async () => {
    const sender = recordingSender();
    const s = f.service({ sender });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T07:59:00Z'); // 08:59 in Berlin
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const [result] = await s.scheduler.tick();
    expect(result).toMatchObject({ channelId: 'c1', outcome: 'posted', localDate: '2026-03-02', messageIds: ['m1'] });
    expect(sender.sent).toEqual([{ channelId: 'c1', localDate: '2026-03-02', index: 0, content: expect.stringMatching(/^Paper digest · 2026-03-02\n1\. /), entries: [1, 2, 3] }]);
    f.clock.now = new Date('2026-03-02T21:00:00Z');
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(f.state.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent', messageIds: ['m1'] }]);
    expect(f.state.digests.posts('c1')[0]?.paperIds).toHaveLength(3);
  });

  it('never posts a day twice when the process died while sending it', async () => {
    let release: () => void = () => {};
    const hanging: DigestSender = { ...recordingSender(), send: () => new Promise((_resolve, reject) => (release = () => reject(new Error('process killed')))) };
    const first = f.service({ sender: hanging });
    await subscribe(first, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const stuck = first.scheduler.tick();
    await expect.poll(() => f.state.digests.posts('c1')[0]?.status).toBe('sending');

    // A new process on the same state, the same day: the claim stands.
    const sender = recordingSender();
    const second = f.service({ sender });
    await second.start();
    await second.scheduler.idle();
    f.clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await second.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sender.sent).toEqual([]);
    release();
    await stuck;
    // The next day posts normally.
    f.clock.now = new Date('2026-03-03T08:00:00Z');
    expect((await second.scheduler.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-03' });
    expect(sender.sent).toHaveLength(1);
  });

  it('records a channel it cannot post to in the sender’s words, keeps its subscription, posts the others, and tries again the next day', async () => {
    const broken = new Map([['forbidden', new Error('403 Missing Access')], ['deleted', new Error('404 Unknown Channel')]]);
    const sender = recordingSender({ fail: (part) => broken.get(part.channelId) });
    const s = f.service({ sender });
    for (const channel of ['forbidden', 'deleted', 'fine']) await subscribe(s, channel);
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.scheduler.tick();
    expect(Object.fromEntries(results.map((r) => [r.channelId, r.outcome]))).toEqual({ forbidden: 'failed', deleted: 'failed', fine: 'posted' });
    expect(results.find((r) => r.channelId === 'forbidden')).toMatchObject({ error: 'failed: 403 Missing Access', localDate: '2026-03-02' });
    expect(sender.sent.map((m) => m.channelId)).toEqual(['fine']);
    expect(f.state.digests.subscription('forbidden')?.lastError).toBe('failed: 403 Missing Access');
    expect(f.state.digests.subscription('deleted')?.lastError).toBe('failed: 404 Unknown Channel');
    expect(f.state.digests.subscriptions()).toHaveLength(3);

    // Not again the same day…
    f.clock.now = new Date('2026-03-02T15:00:00Z');
    expect((await s.scheduler.tick()).map((r) => r.outcome)).toEqual(['not-due', 'not-due', 'not-due']);
    // …but the next day, and a fixed channel posts and clears its error.
    broken.delete('forbidden');
    f.clock.now = new Date('2026-03-03T08:00:00Z');
    const next = Object.fromEntries((await s.scheduler.tick()).map((r) => [r.channelId, r.outcome]));
    expect(next).toEqual({ forbidden: 'posted', deleted: 'failed', fine: 'posted' });
    expect(f.state.digests.subscription('forbidden')?.lastError).toBeNull();
    // The papers the forbidden channel never saw were not counted as featured there.
    expect(f.state.digests.history('forbidden').posts).toHaveLength(1);
  });

  it('counts a digest cut short after its first messages as seen, and does not send its day again', async () => {
    const sender = recordingSender({ partPerEntry: true, fail: (part) => (part.index === 2 ? new Error('connection reset') : undefined) });
    const s = f.service({ sender });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]).toMatchObject({ outcome: 'failed', error: 'failed: connection reset' });
    expect(sender.sent.map((p) => p.index)).toEqual([0, 1]);
    expect(f.state.digests.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sent', messageIds: ['m1', 'm2'], error: 'failed: connection reset' }]);
    f.clock.now = new Date('2026-03-02T12:00:00Z');
    expect(await s.scheduler.tick()).toEqual([{ channelId: 'c1', outcome: 'not-due' }]);
    expect(sender.sent).toHaveLength(2);
  });

  it('keeps going when preparing one digest throws, recording an error id', async () => {
    const sender = recordingSender();
    const s = f.service({
      sender,
      candidates: { digestCandidates: async (topic) => (topic === 'boom' ? Promise.reject(new TypeError('index exploded')) : candidates()) },
    });
    await subscribe(s, 'bad', { topic: 'boom' });
    await subscribe(s, 'good');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const results = await s.scheduler.tick();
    expect(results.find((r) => r.channelId === 'bad')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/unexpected error, id [0-9a-f]{10}/) });
    expect(results.find((r) => r.channelId === 'good')?.outcome).toBe('posted');
    expect(f.state.digests.subscription('bad')?.lastError).toMatch(/could not be prepared/);
    // Nothing was claimed for the failed one: a restart the same day may try again.
    expect(f.state.digests.posts('bad')).toEqual([]);
  });

  it('claims nothing when rendering fails, so the day can still be posted', async () => {
    let renderFails = true;
    const base = recordingSender();
    const sender: DigestSender = {
      ...base,
      render: (message) => {
        if (renderFails) throw new RangeError('cannot render');
        return base.render(message);
      },
    };
    const s = f.service({ sender });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]?.outcome).toBe('failed');
    expect(f.state.digests.posts('c1')).toEqual([]);
    renderFails = false;
    expect((await s.scheduler.tick())[0]).toMatchObject({ outcome: 'posted', localDate: '2026-03-02' });
    expect(base.sent).toHaveLength(1);
  });

  it('runs one digest per channel at a time: its job firing during the catch-up joins the run in flight', async () => {
    const sender = recordingSender();
    let composed = 0;
    const s = f.service({ sender, candidates: { digestCandidates: () => ((composed += 1), candidates()) } });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const job = s.scheduler.jobs()[0]!;
    // croner's trigger() resolves when the job's function has: then the run it joined has posted.
    const sentWhenJobDone = job.cron.trigger().then(() => sender.sent.length);
    const [a, b, c] = await Promise.all([s.scheduler.tick(), s.scheduler.runChannel('c1'), sentWhenJobDone]);
    expect(a[0]?.outcome).toBe('posted');
    expect(b.outcome).toBe('posted');
    expect(c).toBe(1);
    await s.scheduler.idle();
    expect(composed).toBe(1);
    expect(sender.sent).toHaveLength(1);
  });

  it('does not post a digest for a channel unsubscribed while it was being prepared', async () => {
    const sender = recordingSender();
    let unblock: () => void = () => {};
    const gate = new Promise<void>((resolve) => (unblock = resolve));
    const s = f.service({ sender, candidates: { digestCandidates: async () => (await gate, candidates()) } });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    const running = s.scheduler.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await s.unsubscribe('c1');
    unblock();
    expect(await running).toEqual([{ channelId: 'c1', outcome: 'skipped', reason: 'unsubscribed' }]);
    expect(sender.sent).toEqual([]);
  });

  it('posts when a job fires, with nobody talking to the bot', async () => {
    const sender = recordingSender();
    const s = f.service({ sender });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:05Z');
    await s.scheduler.jobs()[0]!.cron.trigger();
    await s.scheduler.idle();
    expect(sender.sent.map((m) => m.channelId)).toEqual(['c1']);
  });

  it('posts a short "nothing new today" message, never silence, when the corpus is empty', async () => {
    const sender = recordingSender();
    const s = f.service({ sender, candidates: { digestCandidates: async () => ({ papers: [], embeddings: undefined, relevance: undefined }) } });
    await subscribe(s, 'c1');
    f.clock.now = new Date('2026-03-02T08:00:00Z');
    expect((await s.scheduler.tick())[0]?.outcome).toBe('posted');
    expect(sender.sent.map((m) => m.content)).toEqual([`Paper digest · 2026-03-02\n${NOTHING_NEW_TEXT}`]);
    expect(f.state.digests.posts('c1')).toMatchObject([{ status: 'sent', paperIds: [] }]);
  });
});
