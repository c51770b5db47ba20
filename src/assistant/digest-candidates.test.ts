/**
 * The digest's inputs from a real index (the project's tiny test model, hnswlib and SQLite in a temp folder):
 * every paper with the time it was indexed, one unit vector per paper when the index has vectors (none when
 * it is lexical), topic relevance from retrieval, and a pick made from them end to end; and retrieval with
 * per-call options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { silentLogger } from '../core/logger.ts';
import { pickDigest } from '../core/digest/pick-papers.ts';
import { pickDigestLazily } from '../digest/compose-digest.ts';
import { TOPIC_FLOOR } from '../core/digest/topic-match.ts';
import { makeWorkspace, type Workspace } from '../../tests/support/workspace.ts';
import { createApp, type App } from '../app.ts';
import type { Assistant } from './assistant.ts';

let ws: Workspace;
let apps: App[] = [];
let dense: Assistant;
let lexical: Assistant;

beforeAll(async () => {
  ws = await makeWorkspace();
  const lexicalEnv = { ...ws.env, EMBEDDINGS: 'lexical', DATA_DIR: `${ws.dataDir}-lexical` };
  const denseApp = createApp(parseConfig(ws.env, ws.dir), { logger: silentLogger });
  const lexicalApp = createApp(parseConfig(lexicalEnv, ws.dir), { logger: silentLogger });
  apps = [denseApp, lexicalApp];
  dense = await denseApp.assistant({ buildIfMissing: true });
  lexical = await lexicalApp.assistant({ buildIfMissing: true });
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await ws?.cleanup();
});

describe('Assistant.digestCandidates', () => {
  it('lists every paper in corpus order with the time it entered the index', async () => {
    const { papers, relevance } = await dense.digestCandidates();
    expect(papers).toHaveLength(11);
    expect(papers.map((p) => p.source)).toEqual(Array.from({ length: 11 }, (_, i) => `seed-papers.jsonl:${i + 1}`));
    for (const p of papers) expect(Number.isNaN(Date.parse(p.addedAt))).toBe(false);
    expect(relevance).toBeUndefined();
  });

  it('gives one unit vector per paper when the index has vectors', async () => {
    const { papers, embeddings } = await dense.digestCandidates();
    expect(embeddings).toBeDefined();
    const first = (await embeddings?.(papers[0]?.id ?? '')) ?? [];
    expect(first.length).toBeGreaterThan(0);
    expect(Math.hypot(...first)).toBeCloseTo(1, 5);
    for (const p of papers) expect((await embeddings?.(p.id))?.length).toBe(first.length);
    expect(await embeddings?.('no-such-paper')).toBeUndefined();
  });

  it('has no vectors when the index is lexical, and the pick still works', async () => {
    const { papers, embeddings } = await lexical.digestCandidates();
    expect(embeddings).toBeUndefined();
    const pick = pickDigest({ papers, history: [], count: 3, now: new Date(), lastPostAt: null });
    expect(pick.entries).toHaveLength(3);
  });

  it('scores a topic by retrieval, and the pick leads with the matching paper', async () => {
    for (const assistant of [dense, lexical]) {
      const { papers, embeddings, relevance } = await assistant.digestCandidates('generative adversarial networks for adversarial examples');
      const advgan = papers.find((p) => p.aliases.includes('AdvGAN'));
      expect(relevance?.get(advgan?.id ?? '')).toBeGreaterThan(0);
      const pick = await pickDigestLazily({ papers, history: [], count: 3, now: new Date(), lastPostAt: null, topic: 'adversarial examples', relevance }, { embeddings });
      expect(pick.entries[0]).toMatchObject({ paper: { id: advgan?.id }, reason: 'topic' });
    }
  });

  it('measures every paper’s topic match on an absolute 0..1 scale, retrieved or not: the matching paper above the digest’s floor, none for a topic the papers do not cover', async () => {
    for (const assistant of [dense, lexical]) {
      const { papers, topicMatch } = await assistant.digestCandidates('generative adversarial networks for adversarial examples');
      const advgan = papers.find((p) => p.aliases.includes('AdvGAN'));
      for (const p of papers) expect(await topicMatch?.(p.id)).toBeGreaterThanOrEqual(0);
      for (const p of papers) expect(await topicMatch?.(p.id)).toBeLessThanOrEqual(1);
      expect(await topicMatch?.(advgan?.id ?? '')).toBeGreaterThanOrEqual(TOPIC_FLOOR);
      const uncovered = await assistant.digestCandidates('medieval tapestry restoration');
      expect(uncovered.relevance?.size).toBe(0);
      for (const p of papers) expect(await uncovered.topicMatch?.(p.id)).toBeLessThan(TOPIC_FLOOR);
    }
  });

  it('scores nothing for a topic the papers do not cover', async () => {
    const { relevance } = await dense.digestCandidates('medieval tapestry restoration');
    expect(relevance?.size).toBe(0);
  });
});

describe('Assistant.retrieve', () => {
  it('uses the configured retrieval unless a call overrides it', async () => {
    const question = 'How does AdvGAN generate adversarial examples?';
    const configured = await dense.retrieve(question);
    expect(configured.mode).toBe('hybrid');
    expect(configured.passages.length).toBeGreaterThan(1);
    const overridden = await dense.retrieve(question, { mode: 'lexical', topK: 1 });
    expect(overridden.mode).toBe('lexical');
    expect(overridden.passages).toHaveLength(1);
    expect((await dense.retrieve(question, { mode: 'dense' })).mode).toBe('dense');
  });

  it('can turn the gate off for one call without changing the next', async () => {
    const question = 'medieval tapestry restoration';
    expect((await dense.retrieve(question)).gate.passed).toBe(false);
    const ungated = await dense.retrieve(question, { gateMinCoverage: 0, gateMinSimilarity: undefined });
    expect(ungated.gate.passed).toBe(true);
    expect(ungated.passages.length).toBeGreaterThan(0);
    expect((await dense.retrieve(question)).gate.passed).toBe(false);
  });
});
