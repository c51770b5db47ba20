/**
 * Digests that pick from the flood: with a topic, only the new papers that match it above the floor are
 * featured for being new (best first, spread by MMR); without a topic, the newest papers spread by MMR; and a
 * channel's votes move papers like the ones it upvoted up, like the ones it downvoted down, and say so.
 */
import { describe, expect, it } from 'vitest';
import { parseCorpusFile } from '../corpus/parse-corpus-file.ts';
import type { Paper } from '../corpus/paper.ts';
import { WHY_NEW, pickDigest, type PickDigestOptions } from './pick-papers.ts';
import { TOPIC_FLOOR } from './topic-match.ts';

type TestPaper = Paper & { addedAt: string };

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-02T08:00:00Z');
const OLD = new Date(NOW - 30 * DAY).toISOString();
const TODAY = new Date(NOW - DAY / 4).toISOString();
const LAST_POST = new Date(NOW - DAY);

function papers(addedAt: string, file: string, topics: readonly string[]): TestPaper[] {
  const text = topics
    .map((topic) => JSON.stringify({ title: `On ${topic}`, abstract: `We study ${topic} in depth. Our analysis of ${topic} gives new results and reports consistent gains over strong baselines on public benchmarks.` }))
    .join('\n');
  const parsed = parseCorpusFile(file, text);
  expect(parsed.problems).toEqual([]);
  return parsed.papers.map((p) => ({ ...p, addedAt }));
}

const old = papers(OLD, 'old.jsonl', ['speech recognition', 'protein structure', 'graph neural networks for molecules']);
const fresh = papers(TODAY, 'new.jsonl', ['graph neural networks for traffic', 'quantum chemistry', 'graph neural networks oversmoothing', 'image segmentation', 'music generation']);
const corpus = [...old, ...fresh];
const byTitle = (title: string) => corpus.find((p) => p.title === `On ${title}`) as TestPaper;
const base: PickDigestOptions<TestPaper> = { papers: corpus, history: [{ paperIds: old.map((p) => p.id) }], count: 3, now: new Date(NOW), lastPostAt: LAST_POST };

describe('a topic channel and the day’s new papers', () => {
  it('features as new only the new papers on its topic, and not the others just for being new', () => {
    const pick = pickDigest({ ...base, topic: 'graph neural networks' });
    const newOnes = pick.entries.filter((e) => e.reason === 'new').map((e) => e.paper.title);
    expect(newOnes.sort()).toEqual(['On graph neural networks for traffic', 'On graph neural networks oversmoothing']);
    expect(pick.entries[0]?.why).toBe(`${WHY_NEW}, on the topic “graph neural networks”`);
    // The third slot is not an off-topic new paper presented as news.
    expect(pick.entries[2]?.reason).not.toBe('new');
  });

  it('ranks the new papers above the floor best first, by the match retrieval measured', () => {
    const topicMatch = new Map([
      [byTitle('quantum chemistry').id, 0.95],
      [byTitle('image segmentation').id, TOPIC_FLOOR],
      [byTitle('music generation').id, TOPIC_FLOOR - 0.01],
    ]);
    const relevance = new Map([...topicMatch].map(([id, m]) => [id, m * 10]));
    const pick = pickDigest({ ...base, topic: 'anything', topicMatch, relevance, count: 5 });
    const newOnes = pick.entries.filter((e) => e.reason === 'new').map((e) => e.paper.title);
    expect(newOnes).toEqual(['On quantum chemistry', 'On image segmentation']);
  });

  it('asks a lazy topic match about the new papers only, so a large corpus is not measured whole', () => {
    const asked: string[] = [];
    pickDigest({ ...base, topic: 'graph neural networks', topicMatch: (id) => (asked.push(id), 0.9) });
    expect(asked.sort()).toEqual(fresh.map((p) => p.id).sort());
  });

  it('without a topic, takes the newest papers spread out: of two near-copies only one', () => {
    const vector = (p: TestPaper) => (p.title?.includes('graph neural') ? [1, 0.05, 0] : p.title?.includes('quantum') ? [0, 1, 0] : [0.1, 0.1, 1]);
    const embeddings = new Map(corpus.map((p) => [p.id, vector(p)]));
    const pick = pickDigest({ ...base, papers: [...old, ...fresh.slice(0, 3)], embeddings, count: 2 });
    expect(pick.entries.map((e) => e.reason)).toEqual(['new', 'new']);
    expect(pick.entries.map((e) => e.paper.title)).toEqual(['On graph neural networks for traffic', 'On quantum chemistry']);
  });
});

describe('a channel’s votes', () => {
  // Three unfeatured old papers compete for one slot; the channel voted on two papers it saw before.
  const seen = papers(OLD, 'seen.jsonl', ['robust speech recognition with noisy labels', 'protein structure prediction with diffusion']);
  const candidates = papers(OLD, 'candidates.jsonl', ['image classification benchmarks', 'noisy labels in speech recognition', 'diffusion for protein structure']);
  const all = [...seen, ...candidates];
  const history = [{ paperIds: seen.map((p) => p.id) }];
  const options: PickDigestOptions<TestPaper> = { papers: all, history, count: 1, now: new Date(NOW), lastPostAt: LAST_POST };
  const [speech, protein] = seen as [TestPaper, TestPaper];

  for (const mode of ['lexical', 'embeddings'] as const) {
    const embeddings =
      mode === 'lexical' ? undefined : new Map(all.map((p) => [p.id, p.abstract.includes('speech') ? [1, 0.2, 0] : p.abstract.includes('protein') ? [0, 1, 0.2] : [0.3, 0.3, 1]]));

    it(`put papers like the upvoted ones first and say so (${mode})`, () => {
      expect(pickDigest({ ...options, embeddings }).entries[0]?.paper.title).toBe('On image classification benchmarks');
      const pick = pickDigest({ ...options, embeddings, votes: [{ paperId: speech.id, score: 2 }] });
      expect(pick.entries[0]).toMatchObject({ paper: { title: 'On noisy labels in speech recognition' }, reason: 'liked' });
      expect(pick.entries[0]?.why).toBe(`like papers this channel upvoted: ${speech.title}`);
    });

    it(`put papers like the downvoted ones last (${mode})`, () => {
      const votes = [{ paperId: protein.id, score: -1 }];
      const pick = pickDigest({ ...options, embeddings, votes, count: 3 });
      expect(pick.entries.at(-1)?.paper.title).toBe('On diffusion for protein structure');
      expect(pick.entries.every((e) => !e.why.includes('upvoted'))).toBe(true);
    });
  }

  it('outweigh a small difference in topic relevance even where abstracts share few words (lexical)', () => {
    const text = [
      'Kernel methods for protein docking score candidate poses with learned potentials, evaluated on benchmark complexes from structural biology databases, improving success rates over physics based scoring functions.',
      'Tabular transformers forecast retail demand from sales histories, holidays and promotions; trained on store level data they reduce forecast error compared with gradient boosted trees and classical baselines.',
      'Graph networks with learned potentials predict molecular energies and forces from atomic coordinates on structural benchmark sets, matching quantum chemistry accuracy while running orders of magnitude faster.',
    ]
      .map((abstract, i) => JSON.stringify({ title: ['Docking', 'Demand', 'Molecules'][i], abstract }))
      .join('\n');
    const [docking, demand, molecules] = parseCorpusFile('real.jsonl', text).papers.map((p) => ({ ...p, addedAt: OLD })) as [TestPaper, TestPaper, TestPaper];
    // The channel upvoted the docking paper; the molecules paper shares a few of its words (structural, benchmark…).
    const relevance = new Map([
      [demand.id, 1],
      [molecules.id, 0.8],
    ]);
    const opts: PickDigestOptions<TestPaper> = { papers: [docking, demand, molecules], history: [{ paperIds: [docking.id] }], count: 1, now: new Date(NOW), lastPostAt: LAST_POST, topic: 't', relevance };
    expect(pickDigest(opts).entries[0]?.paper.title).toBe('Demand');
    const pick = pickDigest({ ...opts, votes: [{ paperId: docking.id, score: 1 }] });
    expect(pick.entries[0]).toMatchObject({ paper: { title: 'Molecules' }, why: 'relevant to the topic “t”; like papers this channel upvoted: Docking' });
  });

  it('ignores votes on papers that left the corpus', () => {
    const pick = pickDigest({ ...options, votes: [{ paperId: 'gone', score: 5 }] });
    expect(pick).toEqual(pickDigest(options));
  });
});
