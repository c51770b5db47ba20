/**
 * Digests that pick from the flood, end to end through the real bot against the fake Discord: a topic
 * channel's next digest features as new only the papers added since that match its topic, and a channel's
 * 👍 on an entry (the buttons under the post) changes what its next digest leads with, and says why.
 */
import { InteractionType, MessageFlags } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonsOf } from '../discord/harness.ts';
import { paperLine, startDigestHarness, type ChannelName, type DigestHarness } from './digest-harness.ts';

let h: DigestHarness;

beforeAll(async () => {
  h = await startDigestHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

async function subscribe(channel: ChannelName, extra: Record<string, string | number> = {}): Promise<void> {
  const { reply } = await h.command('subscribe', { channel: { channel: h.channel(channel) }, time: '09:00', timezone: 'Europe/Berlin', count: 3, ...extra });
  expect(reply.message?.content).toMatch(/^✅ Daily digest for/);
}

/** Each entry of a digest post: its title and its "Why:" line. */
function entriesOf(content: string): { label: string; why: string }[] {
  return [...content.matchAll(/^\*\*\d+\. (?:🆕 )?(.+)\*\*\n(?:.*\n){2}Why: (.*)$/gm)].map((m) => ({ label: m[1] ?? '', why: m[2] ?? '' }));
}

async function press(channel: ChannelName, customId: string, messageId: string, userId: string): Promise<string> {
  const ix = await h.fake.interaction({ type: InteractionType.MessageComponent, customId, messageId, channelId: h.channel(channel), user: { id: userId, username: `user${userId}` } });
  const reply = await h.fake.waitForCall({ interactionId: ix.id });
  expect(reply.message?.flags).toBe(MessageFlags.Ephemeral);
  return reply.message?.content ?? '';
}

describe('digests that pick from the flood', () => {
  it('a topic channel’s next digest features as new only the added papers on its topic', async () => {
    await subscribe('lab', { topic: 'coral reef bleaching' });
    expect((await h.tick('2026-03-02T08:00:00Z')).find((r) => r.channelId === h.channel('lab'))?.outcome).toBe('posted');

    h.setTime('2026-03-02T20:00:00Z');
    await h.reindex([paperLine(1, 'coral reef bleaching'), paperLine(2, 'sparse attention kernels'), paperLine(3, 'coral reef bleaching forecasts'), paperLine(4, 'speech codecs')]);
    await h.tick('2026-03-03T08:00:00Z');
    const content = h.postsIn('lab').at(-1)?.message?.content ?? '';
    const fresh = content.split('\n').filter((line) => line.includes('🆕'));
    expect(fresh.map((line) => line.replace(/^\*\*\d+\. 🆕 |\*\*$/g, '')).sort()).toEqual(['Fresh paper 1 on coral reef bleaching', 'Fresh paper 3 on coral reef bleaching forecasts']);
    expect(entriesOf(content)[0]?.why).toBe('added since the last digest, on the topic “coral reef bleaching”');
    // The off-topic new papers are not featured for being new.
    expect(content).not.toMatch(/🆕 Fresh paper [24]/);
  });

  it('a 👍 under an entry is one vote per person, and the channel’s next digest leads with a paper like it, saying so', async () => {
    await subscribe('papers');
    await subscribe('news');
    await h.tick('2026-03-04T08:00:00Z');
    const [post] = h.postsIn('papers').slice(-1);
    const [other] = h.postsIn('news').slice(-1);
    expect(other?.message?.content).toBe(post?.message?.content);
    const buttons = buttonsOf(post);
    expect(buttons.map((b) => b.label)).toEqual(['1', '1', '2', '2', '3', '3']);
    const upvoted = entriesOf(post?.message?.content ?? '')[0]?.label ?? '';
    const messageId = (post?.response as { id: string }).id;
    const up = buttons[0]?.custom_id ?? '';

    expect(await press('papers', up, messageId, '501')).toBe(`Thanks! Your 👍 on “${upvoted}” is recorded: in this channel's next digests, papers like it will rank higher.`);
    expect(await press('papers', up, messageId, '501')).toBe(`Your 👍 on “${upvoted}” was already recorded.`);
    expect(await h.state.digestVotes.channelVotes(h.channel('papers'))).toEqual([{ paperId: expect.any(String) as string, score: 1 }]);
    const status = (await h.command('status')).reply.message?.content ?? '';
    const block = status.split('\n\n').find((b) => b.startsWith(`**<#${h.channel('papers')}>**`)) ?? '';
    expect(block).toContain('Votes on its entries: 👍 1 · 👎 0');
    expect(status.split('\n\n').find((b) => b.startsWith(`**<#${h.channel('news')}>**`))).not.toContain('Votes');

    await h.tick('2026-03-05T08:00:00Z');
    const voted = entriesOf(h.postsIn('papers').at(-1)?.message?.content ?? '');
    const unvoted = entriesOf(h.postsIn('news').at(-1)?.message?.content ?? '');
    expect(voted[0]?.why).toBe(`like papers this channel upvoted: ${upvoted}`);
    expect(voted.map((e) => e.label)).not.toEqual(unvoted.map((e) => e.label));
    expect(unvoted.every((e) => !e.why.includes('upvoted'))).toBe(true);
  });

  it('refuses a vote on a digest entry it has no record of', async () => {
    const messageId = (h.postsIn('papers').at(-1)?.response as { id: string }).id;
    expect(await press('papers', 'dvote:up:2026-01-01:1', messageId, '502')).toBe("paperbot has no record of entry 1 of this channel's digest of 2026-01-01: the vote was not recorded.");
    expect(await press('papers', 'dvote:down:2026-03-05:9', messageId, '502')).toBe("paperbot has no record of entry 9 of this channel's digest of 2026-03-05: the vote was not recorded.");
    expect(await h.state.digestVotes.channelVotes(h.channel('papers'))).toHaveLength(1);
  });
});
