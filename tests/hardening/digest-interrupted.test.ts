/**
 * Issue 11 §6: a digest left `sending` by a crash (claimed, then the process died before Discord's answer was
 * recorded) is never posted again, and `/digest status` says that it may have been posted, and when, instead
 * of "Last post: none yet" alone. Through the bot and the fake Discord, with the digests on an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDigestHarness, type DigestHarness } from '../digest/digest-harness.ts';

let h: DigestHarness;

beforeAll(async () => {
  h = await startDigestHarness({ start: new Date('2026-03-02T06:00:00Z') });
}, 60_000);

afterAll(async () => h?.close());

describe('a digest whose sending a crash cut short', () => {
  it('is reported by /digest status as possibly posted, with when, and is not posted again', async () => {
    await h.command('subscribe', { channel: { channel: h.channel('papers') }, time: '09:30', timezone: 'Europe/Berlin', count: 2 });
    // The scheduler claims the day, then the process dies before the post is marked sent or failed.
    h.setTime('2026-03-02T08:30:00Z');
    const paperIds = (await h.assistant.findPapers('', 2)).map((p) => p.id);
    expect(await h.store.claimPost({ channelId: h.channel('papers'), guildId: '1', localDate: '2026-03-02', paperIds, pickedAt: h.now() })).toBe(true);
    h.setTime('2026-03-02T08:45:00Z');
    await h.restart();
    await h.tick('2026-03-02T09:00:00Z');
    expect(h.postsIn('papers')).toEqual([]);

    const text = (await h.command('status')).reply.message?.content ?? '';
    expect(text).toContain(
      [
        'Last post: none yet',
        '⚠️ The digest of 2026-03-02 was being posted 2026-03-02 09:30 Europe/Berlin (2026-03-02 08:30 UTC) when paperbot stopped: it may have been posted, in part or whole. It is not posted again, so that no digest is ever posted twice.',
      ].join('\n'),
    );
  }, 60_000);

  it('is not reported while this process is the one sending it', async () => {
    await h.command('subscribe', { channel: { channel: h.channel('lab') }, time: '10:00', timezone: 'UTC', count: 2 });
    expect(await h.store.claimPost({ channelId: h.channel('lab'), guildId: '1', localDate: '2026-03-02', paperIds: [], pickedAt: h.now() })).toBe(true);
    const text = (await h.command('status')).reply.message?.content ?? '';
    expect(text.split('\n\n').find((block) => block.includes(h.channel('lab')))).not.toContain('was being posted');
  }, 60_000);
});
