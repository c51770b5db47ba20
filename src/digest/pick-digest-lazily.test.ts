/**
 * A digest picked over lookups the index answers asynchronously (PostgreSQL: a round trip per paper's vector
 * or topic match) is the digest picked over the same values given synchronously, and the lookups are still
 * read only for the papers the picker asks about, not for the whole corpus.
 */
import { describe, expect, it } from 'vitest';
import { paper } from '../../tests/support/paper-fixture.ts';
import { pickDigest, type PickDigestOptions } from '../core/digest/pick-papers.ts';
import { pickDigestLazily, type DigestSourcePaper } from './compose-digest.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-02T08:00:00Z');
const TOPICS = ['pruning', 'label noise', 'adversarial examples', 'recommendation', 'speech', 'graphs'];

/** 60 papers on six topics; the last ten entered the index after the channel's last digest. */
const PAPERS: DigestSourcePaper[] = Array.from({ length: 60 }, (_, i) => {
  const topic = TOPICS[i % TOPICS.length] as string;
  const p = paper(`p${i}`, { title: `Paper ${i} on ${topic}`, abstract: `We study ${topic} with method ${i} and report results on ${topic} benchmarks.` });
  return { ...p, addedAt: new Date(NOW - (i >= 50 ? 1 : 10) * DAY).toISOString() };
});

/** A unit vector per paper: its topic's axis, tilted by its number so that no two are the same. */
const VECTORS = new Map(PAPERS.map((p, i) => {
  const v = TOPICS.map((_, t) => (t === i % TOPICS.length ? 1 : 0.05 * ((i * (t + 1)) % 7)));
  const norm = Math.hypot(...v);
  return [p.id, v.map((x) => x / norm)] as const;
}));
const MATCH = new Map(PAPERS.map((p, i) => [p.id, i % TOPICS.length === 2 ? 0.8 : 0.1] as const));

const options: Omit<PickDigestOptions<DigestSourcePaper>, 'embeddings' | 'topicMatch'> = {
  papers: PAPERS,
  history: [{ paperIds: ['p0', 'p1', 'p2'] }],
  count: 5,
  now: new Date(NOW),
  lastPostAt: new Date(NOW - 2 * DAY),
  poolSize: 12,
};

/** An asynchronous lookup of `values`, recording which papers were read. */
function slowLookup<T>(values: ReadonlyMap<string, T>) {
  const read: string[] = [];
  return {
    read,
    lookup: async (id: string): Promise<T | undefined> => {
      read.push(id);
      await new Promise((resolve) => setTimeout(resolve, 0));
      return values.get(id);
    },
  };
}

describe('pickDigestLazily', () => {
  it('picks what the synchronous picker picks from the same vectors, reading only the papers it considers', async () => {
    const expected = pickDigest({ ...options, embeddings: VECTORS });
    const embeddings = slowLookup(VECTORS);
    const pick = await pickDigestLazily(options, { embeddings: embeddings.lookup });
    expect(pick.entries.map((e) => [e.paper.id, e.reason])).toEqual(expected.entries.map((e) => [e.paper.id, e.reason]));
    expect(pick.entries.some((e) => e.reason === 'new')).toBe(true);
    expect(new Set(embeddings.read).size).toBe(embeddings.read.length); // each paper read once
    expect(embeddings.read.length).toBeLessThan(PAPERS.length);
  });

  it('asks for the topic match of new papers only, and features as new only those on the topic', async () => {
    const withTopic = { ...options, topic: 'adversarial examples', relevance: new Map(PAPERS.map((p, i) => [p.id, i % TOPICS.length === 2 ? 1 : 0.2])) };
    const expected = pickDigest({ ...withTopic, embeddings: VECTORS, topicMatch: MATCH });
    const embeddings = slowLookup(VECTORS);
    const topicMatch = slowLookup(MATCH);
    const pick = await pickDigestLazily(withTopic, { embeddings: embeddings.lookup, topicMatch: topicMatch.lookup });
    expect(pick.entries.map((e) => [e.paper.id, e.reason])).toEqual(expected.entries.map((e) => [e.paper.id, e.reason]));
    const fresh = new Set(PAPERS.slice(50).map((p) => p.id));
    expect(topicMatch.read.length).toBeGreaterThan(0);
    expect(topicMatch.read.every((id) => fresh.has(id))).toBe(true);
    for (const e of pick.entries.filter((x) => x.reason === 'new')) expect(MATCH.get(e.paper.id)).toBeGreaterThan(0.5);
  });
});
