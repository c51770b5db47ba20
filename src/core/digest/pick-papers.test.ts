/**
 * Choosing a day's papers for a channel: new papers first, then unfeatured ones by topic and diversity
 * (MMR over embeddings, or the abstracts' words without them), a new round only when every paper has been
 * featured, and the same answer for the same inputs. The 30-day simulation runs the shipped corpus plus
 * papers added along the way through the picker as a channel would see it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCorpusFile } from '../corpus/parse-corpus-file.ts';
import type { Paper } from '../corpus/paper.ts';
import { pickDigest, WHY_NEW, type DigestHistoryPost, type DigestPick, type PickDigestOptions } from './pick-papers.ts';

type TestPaper = Paper & { addedAt: string };

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../corpus/seed-papers.jsonl');
const DAY = 86_400_000;
const T0 = Date.parse('2025-06-01T07:00:00Z');
const INDEXED = new Date(T0 - 30 * DAY).toISOString();

function shippedPapers(addedAt: string = INDEXED): TestPaper[] {
  const { papers, problems } = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8'));
  expect(problems).toEqual([]);
  return papers.map((p) => ({ ...p, addedAt }));
}

/** Papers as a later `npm run index` would add them, with their own words so the lexical paths can tell them apart. */
function addedPapers(addedAt: string, topics: readonly string[], file: string = 'added.jsonl'): TestPaper[] {
  const text = topics
    .map((topic, i) =>
      JSON.stringify({
        title: `Added paper ${i + 1} on ${topic}`,
        abstract: `We propose a method for ${topic}. Our study of ${topic} covers ${topic} benchmarks in depth and reports consistent gains for ${topic} over strong baselines on public data.`,
      }),
    )
    .join('\n');
  const { papers, problems } = parseCorpusFile(file, text);
  expect(problems).toEqual([]);
  return papers.map((p) => ({ ...p, addedAt }));
}

function ids(pick: DigestPick<TestPaper>): string[] {
  return pick.entries.map((e) => e.paper.id);
}

function labelOf(papers: readonly TestPaper[], id: string): string {
  return papers.find((p) => p.id === id)?.label ?? id;
}

describe('pickDigest', () => {
  const papers = shippedPapers();
  const base: PickDigestOptions<TestPaper> = { papers, history: [], count: 3, now: new Date(T0), lastPostAt: null };

  it('fills a channel’s first digest with unfeatured papers, none marked new', () => {
    const pick = pickDigest(base);
    expect(pick.entries).toHaveLength(3);
    expect(new Set(ids(pick)).size).toBe(3);
    expect(pick.entries.every((e) => e.reason === 'diverse')).toBe(true);
    expect(pick.entries[0]?.why).toBe('not featured in this channel yet');
    expect(pick.entries[1]?.why).toBe('not featured in this channel yet, and unlike the papers above');
    expect(pick).toMatchObject({ cycleRestarted: false, nothingNew: false });
  });

  it('never repeats a paper featured earlier in the round', () => {
    const history: DigestHistoryPost[] = [{ paperIds: papers.slice(0, 8).map((p) => p.id) }];
    const pick = pickDigest({ ...base, history, lastPostAt: new Date(T0 - DAY) });
    expect(ids(pick).sort()).toEqual(papers.slice(8).map((p) => p.id).sort());
    expect(pick.cycleRestarted).toBe(false);
  });

  it('puts papers added since the last digest first, marked new', () => {
    const added = addedPapers(new Date(T0 - DAY / 2).toISOString(), ['graph coloring heuristics']);
    const pick = pickDigest({ ...base, papers: [...papers, ...added], lastPostAt: new Date(T0 - DAY) });
    expect(pick.entries[0]).toMatchObject({ paper: { id: added[0]?.id }, reason: 'new', why: WHY_NEW });
    expect(pick.entries.slice(1).every((e) => e.reason !== 'new')).toBe(true);
  });

  it('does not call a paper new when it was added before the last digest', () => {
    const added = addedPapers(new Date(T0 - 2 * DAY).toISOString(), ['graph coloring heuristics']);
    const pick = pickDigest({ ...base, papers: [...papers, ...added], lastPostAt: new Date(T0 - DAY) });
    expect(pick.entries.some((e) => e.reason === 'new')).toBe(false);
  });

  it('ignores papers whose addedAt is after now', () => {
    const added = addedPapers(new Date(T0 + DAY).toISOString(), ['graph coloring heuristics']);
    const pick = pickDigest({ ...base, papers: added, lastPostAt: new Date(T0 - DAY) });
    expect(pick).toEqual({ entries: [], cycleRestarted: false, nothingNew: true });
  });

  it('says nothing is new when the corpus is empty', () => {
    expect(pickDigest({ ...base, papers: [] })).toEqual({ entries: [], cycleRestarted: false, nothingNew: true });
  });

  it('ranks by the injected topic relevance and says why', () => {
    const advgan = papers[10]?.id ?? '';
    const texp = papers[2]?.id ?? '';
    const relevance = new Map([
      [texp, 0.02],
      [advgan, 0.03],
    ]);
    const pick = pickDigest({ ...base, topic: 'adversarial robustness', relevance });
    expect(ids(pick).slice(0, 2)).toEqual([advgan, texp]);
    expect(pick.entries[0]).toMatchObject({ reason: 'topic', why: 'relevant to the topic “adversarial robustness”' });
    expect(pick.entries[2]?.reason).toBe('diverse');
  });

  it('accepts relevance as a function of the paper id', () => {
    const famus = papers[6]?.id ?? '';
    const pick = pickDigest({ ...base, topic: 'noisy labels', relevance: (id) => (id === famus ? 5 : undefined) });
    expect(pick.entries[0]?.paper.id).toBe(famus);
  });

  it('without relevance scores, ranks a topic by the words of the abstracts', () => {
    const pick = pickDigest({ ...base, count: 1, topic: 'generative adversarial networks' });
    expect(pick.entries[0]?.paper.aliases).toContain('AdvGAN');
    expect(pick.entries[0]?.reason).toBe('topic');
  });

  it('spreads picks across clusters of embeddings, and λ = 1 turns diversity off', () => {
    // Papers 0–3 point one way, 4–7 another, 8–10 a third.
    const cluster = (i: number) => (i < 4 ? [1, 0, 0] : i < 8 ? [0, 1, 0] : [0, 0, 1]);
    const embeddings = new Map(papers.map((p, i) => [p.id, cluster(i).map((x, d) => x + 0.01 * ((i + d) % 3))]));
    const diverse = pickDigest({ ...base, embeddings });
    expect(ids(diverse).map((id) => cluster(papers.findIndex((p) => p.id === id)).indexOf(1)).sort()).toEqual([0, 1, 2]);
    const plain = pickDigest({ ...base, embeddings, lambda: 1 });
    expect(ids(plain)).toEqual(papers.slice(0, 3).map((p) => p.id));
  });

  it('without embeddings, spreads picks by the overlap of the abstracts’ words', () => {
    const twins = [
      ...addedPapers(INDEXED, ['protein folding prediction'], 'a.jsonl'),
      ...addedPapers(INDEXED, ['protein folding prediction with transformers'], 'b.jsonl'),
      ...addedPapers(INDEXED, ['urban traffic forecasting'], 'c.jsonl'),
    ];
    const pick = pickDigest({ ...base, papers: twins, count: 2 });
    expect(ids(pick)).toEqual([twins[0]?.id, twins[2]?.id]);
  });

  it('trades relevance against diversity over embeddings (MMR)', () => {
    const four = papers.slice(0, 4);
    const embeddings = new Map([
      [four[0]?.id ?? '', [1, 0]],
      [four[1]?.id ?? '', [0.99, 0.14]],
      [four[2]?.id ?? '', [0, 1]],
      [four[3]?.id ?? '', [0.7, 0.7]],
    ]);
    const relevance = new Map([
      [four[0]?.id ?? '', 1],
      [four[1]?.id ?? '', 0.95],
      [four[2]?.id ?? '', 0.6],
      [four[3]?.id ?? '', 0.1],
    ]);
    const options = { ...base, papers: four, count: 2, topic: 'x', embeddings, relevance };
    expect(ids(pickDigest({ ...options, lambda: 1 }))).toEqual([four[0]?.id, four[1]?.id]);
    expect(ids(pickDigest(options))).toEqual([four[0]?.id, four[2]?.id]);
  });

  it('starts a new round when every paper has been featured, and says so', () => {
    const history: DigestHistoryPost[] = [
      { paperIds: papers.slice(0, 6).map((p) => p.id) },
      { paperIds: papers.slice(6).map((p) => p.id) },
    ];
    const pick = pickDigest({ ...base, history, lastPostAt: new Date(T0 - DAY) });
    expect(pick.cycleRestarted).toBe(true);
    expect(pick.entries).toHaveLength(3);
    expect(pick.entries[0]?.why).toBe('not featured in this round yet');
  });

  it('finishes a round and fills up from the next when fewer papers than asked are left', () => {
    const history: DigestHistoryPost[] = [{ paperIds: papers.slice(0, 10).map((p) => p.id) }];
    const pick = pickDigest({ ...base, history, lastPostAt: new Date(T0 - DAY) });
    expect(pick.entries[0]?.paper.id).toBe(papers[10]?.id);
    expect(pick.entries).toHaveLength(3);
    expect(new Set(ids(pick)).size).toBe(3);
    expect(pick.cycleRestarted).toBe(true);
  });

  it('only the current round counts: papers of earlier rounds come again', () => {
    const history: DigestHistoryPost[] = [
      { paperIds: papers.map((p) => p.id) },
      { paperIds: papers.slice(0, 3).map((p) => p.id) },
    ];
    const pick = pickDigest({ ...base, history, lastPostAt: new Date(T0 - DAY) });
    expect(pick.cycleRestarted).toBe(false);
    expect(ids(pick).some((id) => papers.slice(0, 3).some((p) => p.id === id))).toBe(false);
  });

  it('shows every paper when the corpus is smaller than the count, restarting each day', () => {
    const two = papers.slice(0, 2);
    const first = pickDigest({ ...base, papers: two, count: 5 });
    expect(first.entries).toHaveLength(2);
    expect(first.cycleRestarted).toBe(false);
    const second = pickDigest({ ...base, papers: two, count: 5, history: [{ paperIds: ids(first) }], lastPostAt: new Date(T0) });
    expect(second.entries).toHaveLength(2);
    expect(second.cycleRestarted).toBe(true);
  });

  it('gives the same pick for the same inputs, whatever order the maps were filled in', () => {
    const vectors = papers.map((p, i) => [p.id, [Math.sin(i), Math.cos(i * 1.7), 0.3]] as const);
    const relevance = papers.map((p, i) => [p.id, (i * 7) % 5] as const);
    const a = pickDigest({ ...base, count: 5, topic: 't', embeddings: new Map(vectors), relevance: new Map(relevance) });
    const b = pickDigest({ ...base, count: 5, topic: 't', embeddings: new Map([...vectors].reverse()), relevance: new Map([...relevance].reverse()) });
    expect(ids(b)).toEqual(ids(a));
    expect(b).toEqual(a);
  });

  it('breaks ties by corpus position', () => {
    const same = new Map(papers.map((p) => [p.id, [1, 0]]));
    expect(ids(pickDigest({ ...base, embeddings: same }))).toEqual(papers.slice(0, 3).map((p) => p.id));
  });

  it('refuses a count below 1 and λ outside 0..1', () => {
    expect(() => pickDigest({ ...base, count: 0 })).toThrow(RangeError);
    expect(() => pickDigest({ ...base, lambda: 1.5 })).toThrow(RangeError);
  });
});

describe('30 days of digests in one channel', () => {
  const shipped = shippedPapers();
  // Added between digests: three on day 8, two on day 20 (half a day before that day's digest).
  const wave1 = addedPapers(new Date(T0 + 7.5 * DAY).toISOString(), ['graph coloring heuristics', 'protein folding', 'urban traffic forecasting'], 'wave1.jsonl');
  const wave2 = addedPapers(new Date(T0 + 19.5 * DAY).toISOString(), ['speech enhancement', 'quantum error correction'], 'wave2.jsonl');
  const corpus = [...shipped, ...wave1, ...wave2];

  function simulate(extra: Partial<PickDigestOptions<TestPaper>>): { day: number; pick: DigestPick<TestPaper> }[] {
    const history: DigestHistoryPost[] = [];
    const days: { day: number; pick: DigestPick<TestPaper> }[] = [];
    let lastPostAt: Date | null = null;
    for (let day = 0; day < 30; day++) {
      const now = new Date(T0 + day * DAY);
      const pick = pickDigest({ papers: corpus, history, count: 3, now, lastPostAt, ...extra });
      history.push({ paperIds: ids(pick) });
      days.push({ day, pick });
      lastPostAt = now;
    }
    return days;
  }

  function checkInvariants(days: { day: number; pick: DigestPick<TestPaper> }[]): void {
    const eligibleAt = (day: number) => corpus.filter((p) => Date.parse(p.addedAt) <= T0 + day * DAY).map((p) => p.id);
    let round = new Set<string>();
    const timesShown = new Map<string, number>();
    for (const { day, pick } of days) {
      expect(pick.nothingNew).toBe(false);
      expect(pick.entries).toHaveLength(3);
      const shown = ids(pick);
      expect(new Set(shown).size).toBe(3);
      let began = false;
      for (const id of shown) {
        if (round.has(id)) {
          // A paper comes again only once every paper there is has been featured since the round began.
          for (const other of eligibleAt(day)) expect(round.has(other), `${labelOf(corpus, id)} repeated on day ${day} before ${labelOf(corpus, other)}`).toBe(true);
          round = new Set();
          began = true;
        }
        round.add(id);
      }
      expect(pick.cycleRestarted, `day ${day}: the message should say a new round began`).toBe(began);
      for (const id of shown) timesShown.set(id, (timesShown.get(id) ?? 0) + 1);
      // The shipped papers take turns: none is shown twice more than another.
      const counts = shipped.map((p) => timesShown.get(p.id) ?? 0);
      expect(Math.max(...counts) - Math.min(...counts), `uneven turns by day ${day}`).toBeLessThanOrEqual(1);
    }
    // Each added paper leads the first digest after it was added, as new; it is never new again.
    for (const [day, wave] of [
      [8, wave1],
      [20, wave2],
    ] as const) {
      const pick = days[day]?.pick;
      expect(pick?.entries.filter((e) => e.reason === 'new').map((e) => e.paper.id).sort()).toEqual(wave.map((p) => p.id).sort());
      expect(pick?.entries.slice(0, wave.length).every((e) => e.reason === 'new' && e.why.startsWith(WHY_NEW))).toBe(true);
    }
    const newDays = days.filter(({ pick }) => pick.entries.some((e) => e.reason === 'new')).map(({ day }) => day);
    expect(newDays).toEqual([8, 20]);
    // 90 slots over at most 16 papers: several rounds, every paper featured.
    expect(days.filter(({ pick }) => pick.cycleRestarted).length).toBeGreaterThanOrEqual(4);
    for (const p of corpus) expect(timesShown.get(p.id) ?? 0, `${p.label} never featured`).toBeGreaterThan(0);
  }

  it('never repeats a paper before all were featured, without embeddings or topic', () => {
    checkInvariants(simulate({}));
  });

  it('never repeats a paper before all were featured, with embeddings and a topic', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) - 0.5;
    const embeddings = new Map(corpus.map((p) => [p.id, Array.from({ length: 8 }, random)]));
    const relevance = new Map(corpus.filter((_, i) => i % 3 === 0).map((p, i) => [p.id, 1 / (i + 1)]));
    const days = simulate({ embeddings, relevance, topic: 'robustness', topicMatch: () => 1 }); // all on topic: the floor has its own tests
    checkInvariants(days);
    // The most relevant paper leads the first digest.
    expect(days[0]?.pick.entries[0]).toMatchObject({ paper: { id: corpus[0]?.id }, reason: 'topic' });
  });

  it('is reproducible: the same 30 days twice give the same digests', () => {
    expect(simulate({ topic: 'adversarial' })).toEqual(simulate({ topic: 'adversarial' }));
  });
});
