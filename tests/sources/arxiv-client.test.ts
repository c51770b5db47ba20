import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { startFakeArxiv, type FakeArxiv } from '../../src/dev/fake-arxiv.ts';
import { VirtualClock } from '../../src/dev/virtual-clock.ts';
import { ArxivClient, type ArxivClientOptions } from '../../src/sources/arxiv/arxiv-client.ts';
import { fetchArxivFeed, fetchArxivPapers, fetchArxivSince } from '../../src/sources/arxiv/fetch-arxiv.ts';
import { arxivPaper, arxivPapers } from './arxiv-fixtures.ts';

let fake: FakeArxiv;
beforeAll(async () => {
  fake = await startFakeArxiv();
});
afterAll(async () => fake.close());

/** A client on a virtual clock whose waits end at once, the time jumping past them. */
function politeClient(options: Partial<ArxivClientOptions> = {}): { client: ArxivClient; clock: VirtualClock } {
  const clock = new VirtualClock({ skipBelowMs: Number.MAX_SAFE_INTEGER, startMs: 1_000_000 });
  const client = new ArxivClient({ minIntervalMs: 3000, now: () => clock.now(), sleep: (ms) => clock.sleep(ms), ...options });
  return { client, clock };
}

const gaps = (client: ArxivClient): number[] => client.requests.slice(1).map((r, i) => r.at - (client.requests[i]?.at ?? 0));

describe('the polite arXiv client', () => {
  it("waits arXiv's 3 s between requests unless configured otherwise", () => {
    expect(parseConfig({}).arxiv.minIntervalMs).toBe(3000);
  });

  it('sends one request at a time, at least 3 s apart, even when asked for several at once', async () => {
    fake.setFeed('2026-12-02', arxivPapers(1, 3));
    const { client } = politeClient();
    const seen = fake.requests.length;
    await Promise.all([1, 2, 3, 4].map(() => client.get(`${fake.rssUrl}/cs.LG`)));
    expect(client.requests).toHaveLength(4);
    expect(fake.requests.length - seen).toBe(4);
    for (const gap of gaps(client)) expect(gap).toBeGreaterThanOrEqual(3000);
  });

  it('names paperbot, its version and the contact in the User-Agent', async () => {
    const { client } = politeClient({ contact: 'mailto:lab@example.org' });
    await client.get(`${fake.rssUrl}/cs.LG`);
    expect(fake.requests.at(-1)?.userAgent).toMatch(/^paperbot\/\d+\.\d+\.\d+ \(research-paper Discord bot; mailto:lab@example\.org\)$/);
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    fake.script({ status: 429, headers: { 'retry-after': '20' } });
    const { client } = politeClient();
    const body = await client.get(`${fake.rssUrl}/cs.LG`);
    expect(body).toContain('<rss');
    expect(client.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(gaps(client)[0]).toBeGreaterThanOrEqual(20_000);
  });

  it('gives up at once with the wait arXiv asked for when it is longer than the cap', async () => {
    fake.script({ status: 429, headers: { 'retry-after': '3600' } });
    const { client } = politeClient();
    await expect(client.get(`${fake.rssUrl}/cs.LG`)).rejects.toThrow('arXiv is rate-limiting paperbot (429) and asks to wait 3600 s; try again later.');
    expect(client.requests).toHaveLength(1);
  });

  it('retries a 503 a bounded number of times, backing off, then says arXiv is unavailable', async () => {
    fake.script(...Array.from({ length: 4 }, () => ({ status: 503 })));
    const { client } = politeClient({ maxRetries: 3 });
    await expect(client.get(`${fake.rssUrl}/cs.LG`)).rejects.toThrow('arXiv is unavailable (503), still after 4 tries; try again later.');
    expect(gaps(client)).toEqual([6000, 12_000, 24_000]);
  });

  it('says why arXiv cannot be reached', async () => {
    const closed = await startFakeArxiv();
    await closed.close();
    const { client } = politeClient();
    await expect(client.get(`${closed.rssUrl}/cs.LG`)).rejects.toThrow(/^arXiv cannot be reached \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); nothing was written\.$/);
  });

  it('cuts off a request that hangs', async () => {
    fake.script({ hang: true });
    const { client } = politeClient({ timeoutMs: 150 });
    await expect(client.get(`${fake.rssUrl}/cs.LG`)).rejects.toThrow('arXiv did not answer within 150 ms; nothing was written.');
  });
});

describe('arXiv as a source', () => {
  it('asks the feed once for all categories, joined with +', async () => {
    fake.setFeed('2026-12-02', [arxivPaper(1), arxivPaper(2, { categories: ['stat.ML'] }), arxivPaper(3, { categories: ['math.OC'] })]);
    const { client } = politeClient();
    const batch = await fetchArxivFeed(['cs.LG', 'stat.ML'], { client, rssUrl: fake.rssUrl });
    expect(batch.requests).toBe(1);
    expect(fake.requests.at(-1)?.path).toBe('/rss/cs.LG+stat.ML');
    expect(batch.items.map((i) => i.record.arxiv_id)).toEqual(['2612.00001', '2612.00002']);
  });

  it('fetches papers by id in any form and lists the ids arXiv does not know', async () => {
    fake.setApiPapers([arxivPaper(5, { version: 2 }), arxivPaper(6)]);
    const { client } = politeClient();
    const batch = await fetchArxivPapers(['arXiv:2612.00005v1', 'https://arxiv.org/abs/2612.00006', '2612.09999', 'not an id'], { client, apiUrl: fake.apiUrl });
    expect(batch.items.map((i) => i.record.arxiv_id)).toEqual(['2612.00005', '2612.00006']);
    expect(batch.skipped).toEqual(['"not an id" is not an arXiv id', 'arXiv does not know arXiv:2612.09999']);
    expect(batch.requests).toBe(1);
  });

  it('backfills through the API page by page, sorted by submission date, from --since on', async () => {
    fake.setApiPapers([...arxivPapers(1, 450, { published: '2026-11-20' }), ...arxivPapers(900, 5, { published: '2026-10-01' })]);
    const { client } = politeClient();
    const batch = await fetchArxivSince(['cs.LG'], '2026-11-01', { client, apiUrl: fake.apiUrl });
    expect(batch.items).toHaveLength(450);
    expect(batch.requests).toBe(3);
    const last = fake.requests.at(-1)?.query;
    expect(last?.get('search_query')).toBe('(cat:cs.LG) AND submittedDate:[202611010000 TO 999912312359]');
    expect([last?.get('sortBy'), last?.get('start'), last?.get('max_results')]).toEqual(['submittedDate', '400', '200']);
  });
});
