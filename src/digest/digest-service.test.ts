/**
 * What `/digest` asks of the digest service (see digest.fixture.ts): subscribing and unsubscribing rebuild
 * one croner job per subscription in its zone, the last of several changes at once wins, and a preview
 * shows the TL;DRs the post then uses (the language model's, or the key sentence when it fails).
 */
import { describe, expect, it } from 'vitest';
import { LlmError } from '../core/answering/chat-model.ts';
import { extractiveTldr } from '../core/digest/tldr.ts';
import { RecordingChatModel } from '../../tests/support/recording-chat-model.ts';
import { PAPERS, recordingSender, subscribe, useDigestFixture } from './digest.fixture.ts';

const f = useDigestFixture();

describe('DigestService', () => {
  it('creates one croner job per subscription in its zone, and rebuilds them on every change', async () => {
    const s = f.service();
    f.clock.now = new Date('2026-03-07T12:00:00Z');
    await subscribe(s, 'ny', { time: '09:00', timeZone: 'America/New_York' });
    await subscribe(s, 'tokyo', { time: '07:30', timeZone: 'Asia/Tokyo' });
    const jobs = Object.fromEntries(s.scheduler.jobs().map((j) => [j.channelId, j]));
    expect(jobs.ny).toMatchObject({ pattern: '0 9 * * *', timeZone: 'America/New_York' });
    expect(jobs.tokyo).toMatchObject({ pattern: '30 7 * * *', timeZone: 'Asia/Tokyo' });
    // croner's own next runs across the spring-forward of 2026-03-08 in New York: 14:00 UTC, then 13:00 UTC.
    expect(jobs.ny?.cron.nextRuns(2, new Date('2026-03-07T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    expect(jobs.tokyo?.cron.nextRun(new Date('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-07T22:30:00.000Z');

    await subscribe(s, 'ny', { time: '18:15', timeZone: 'America/New_York' });
    expect(s.scheduler.jobs().find((j) => j.channelId === 'ny')?.pattern).toBe('15 18 * * *');
    expect(jobs.ny?.cron.isStopped()).toBe(true);
    await s.unsubscribe('tokyo');
    expect(s.scheduler.jobs().map((j) => j.channelId)).toEqual(['ny']);
  });

  it('keeps the last change when subscriptions change at the same time, even when an earlier read is slower', async () => {
    // The store answers the first read of the subscriptions late, with what it held when asked.
    const delays = [40];
    const slowFirstRead = new Proxy(f.state.digests, {
      get(target, key) {
        if (key === 'subscriptions') {
          return async (filter?: { guildId?: string }) => {
            const result = target.subscriptions(filter);
            await new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
            return result;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const s = f.service({ store: slowFirstRead });
    const first = subscribe(s, 'a');
    // The rebuild after subscribing #a has read [a] and is waiting when #b and #c subscribe.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([first, subscribe(s, 'b'), subscribe(s, 'c', { time: '10:00' })]);
    expect(s.scheduler.jobs().map((j) => j.channelId).sort()).toEqual(['a', 'b', 'c']);
    await Promise.all([s.unsubscribe('a'), subscribe(s, 'c', { time: '11:45' })]);
    expect(s.scheduler.jobs().map((j) => [j.channelId, j.pattern]).sort()).toEqual([
      ['b', '0 9 * * *'],
      ['c', '45 11 * * *'],
    ]);
  });

  it('asks the language model for TL;DRs, falls back to the key sentence when it fails, and reuses them for the post after a preview', async () => {
    const model = new RecordingChatModel({
      reply: ({ messages }) => {
        const user = messages.at(-1)?.content ?? '';
        if (user.includes('FaMUS')) return new LlmError('server', 'the model is down');
        return `TL;DR: "A short summary of ${/Paper: (.*)/.exec(user)?.[1]?.slice(0, 20) ?? '?'} [1]." Hope this helps!`;
      },
    });
    const sender = recordingSender();
    const s = f.service({ sender, chatModel: model });
    await subscribe(s, 'c1', { count: 10 });
    const preview = await s.preview({ channelId: 'c1', timeZone: 'Europe/Berlin', count: 10, topic: null });
    expect(preview.llmTldrs).toBe(9); // 10 papers, the FaMUS one failed
    const famus = preview.message.entries.find((e) => e.label.includes('Faster Meta Update'));
    const famusPaper = PAPERS.find((p) => p.id === famus?.paperId);
    expect(famus?.tldr).toBe(extractiveTldr(famusPaper?.abstract ?? ''));
    const other = preview.message.entries.find((e) => e !== famus);
    expect(other?.tldr).toMatch(/^A short summary of .+\.$/);
    expect(other?.tldr).not.toMatch(/\[1\]|Hope/);
    const callsAfterPreview = model.calls.length;

    f.clock.now = new Date('2026-03-02T08:00:00Z');
    await s.scheduler.tick();
    expect(sender.sent.map((m) => m.content).join('\n')).toContain(other?.tldr);
    // Only the paper whose TL;DR failed is asked again.
    expect(model.calls.length - callsAfterPreview).toBe(1);
    // The preview recorded nothing.
    expect(f.state.digests.posts('c1')).toHaveLength(1);
  });
});
