/**
 * The flood end to end: papers fetched from (the fake) arXiv by `npm run fetch` while the bot runs show up in
 * the next day's digest of a channel whose topic they match, and the off-topic ones are not featured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeArxiv, type FakeArxiv } from '../../src/dev/fake-arxiv.ts';
import { arxivPaper } from '../sources/arxiv-fixtures.ts';
import { startDigestHarness, type DigestHarness } from './digest-harness.ts';

const DAY_MS = 86_400_000;
/** 09:00 UTC, `days` days from today: the fetch stamps papers with the real time, so the digests' days are around it. */
const nineUtc = (days: number): string => `${new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10)}T09:00:00.000Z`;

const onTopic = (n: number, topic: string) =>
  arxivPaper(n, {
    title: `Fetched paper ${n} on ${topic}`,
    abstract: `We propose a new method for ${topic}. Our study of ${topic} covers ${topic} benchmarks in depth and reports consistent gains for ${topic} over strong baselines on public data.`,
  });

let arxiv: FakeArxiv;
let h: DigestHarness;
beforeAll(async () => {
  arxiv = await startFakeArxiv();
  h = await startDigestHarness({ start: new Date(nineUtc(-2)) });
}, 120_000);
afterAll(async () => {
  await h?.close();
  await arxiv?.close();
});

describe('a digest after an arXiv fetch', () => {
  it("features the fetched papers that match the channel's topic, and not the others", async () => {
    const { reply } = await h.command('subscribe', { channel: { channel: h.channel('lab') }, time: '09:00', timezone: 'UTC', count: 3, topic: 'coral reef bleaching' });
    expect(reply.message?.content).toMatch(/^✅ Daily digest for/);
    expect((await h.tick(nineUtc(-2))).find((r) => r.channelId === h.channel('lab'))?.outcome).toBe('posted');

    arxiv.setFeed('2026-12-02', [onTopic(1, 'coral reef bleaching'), onTopic(2, 'sparse attention kernels'), onTopic(3, 'coral reef bleaching forecasts'), onTopic(4, 'speech codecs')]);
    const fetched = await h.ws.run('fetch', ['arxiv', 'cs.LG', '--json'], { env: { ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_API_URL: arxiv.apiUrl, ARXIV_MIN_INTERVAL_MS: '0' } });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout)).toMatchObject({ added: 4, requests: 1 });

    await h.tick(nineUtc(1));
    const content = h.postsIn('lab').at(-1)?.message?.content ?? '';
    const fresh = content.split('\n').filter((line) => line.includes('🆕'));
    expect(fresh.map((line) => line.replace(/^\*\*\d+\. 🆕 |\*\*$/g, '')).sort()).toEqual(['Fetched paper 1 on coral reef bleaching', 'Fetched paper 3 on coral reef bleaching forecasts']);
    expect(content).not.toMatch(/Fetched paper [24]/);
  });
});
