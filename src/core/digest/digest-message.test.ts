/**
 * What a digest says: the title with its local date, each entry with its title or label, link (from the
 * paper's metadata only), TL;DR and reason, the "new" marker, the new-round note, the "nothing new today" text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCorpusFile } from '../corpus/parse-corpus-file.ts';
import type { Paper } from '../corpus/paper.ts';
import type { DigestPick } from './pick-papers.ts';
import { CYCLE_RESTART_NOTE, NOTHING_NEW_TEXT, buildDigestMessage, paperLink } from './digest-message.ts';

type TestPaper = Paper & { addedAt: string };

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../corpus/seed-papers.jsonl');
const papers: TestPaper[] = parseCorpusFile('seed-papers.jsonl', readFileSync(SHIPPED, 'utf8')).papers.map((p) => ({ ...p, addedAt: '2025-05-01T00:00:00.000Z' }));

function paper(n: number): TestPaper {
  const p = papers[n];
  if (p === undefined) throw new Error(`no shipped paper ${n}`);
  return p;
}

const famus = paper(6);
const intraFusion = paper(1);

const pick: DigestPick<TestPaper> = {
  entries: [
    { paper: famus, reason: 'new', why: 'added since the last digest' },
    { paper: intraFusion, reason: 'diverse', why: 'not featured in this channel yet, and unlike the papers above' },
  ],
  cycleRestarted: false,
  nothingNew: false,
};

describe('buildDigestMessage', () => {
  it('lists each paper with its title or label, link, TL;DR and reason', () => {
    const message = buildDigestMessage({ pick, localDate: '2025-06-02', topic: ' noisy labels ' });
    expect(message.title).toBe('Paper digest · 2025-06-02');
    expect(message.topic).toBe('noisy labels');
    expect(message.emptyText).toBeNull();
    expect(message.entries[0]).toMatchObject({
      n: 1,
      label: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
      url: expect.stringMatching(/^https:\/\/openaccess\.thecvf\.com\//),
      isNew: true,
      tldr: expect.stringMatching(/^We introduce a novel Faster Meta Update Strategy \(FaMUS\)/),
    });
    expect(message.entries[1]).toMatchObject({ n: 2, label: 'Towards Meta-Pruning via Optimal Transport', url: 'https://openreview.net/forum?id=sMoifbuxjB', source: 'seed-papers.jsonl:2', isNew: false });
  });

  it('uses a given TL;DR (the LLM’s) and falls back to the extractive one per paper', () => {
    const message = buildDigestMessage({ pick, localDate: '2025-06-02', tldr: (p) => (p.id === famus.id ? 'FaMUS speeds up meta-learning.' : undefined) });
    expect(message.entries.map((e) => e.tldr)).toEqual(['FaMUS speeds up meta-learning.', 'This paper introduces a novel approach named Intra-Fusion, challenging this prevailing pruning paradigm.']);
  });

  it('notes a new round, and says nothing new when there is nothing to post', () => {
    expect(buildDigestMessage({ pick: { ...pick, cycleRestarted: true }, localDate: '2025-06-02' }).notes).toEqual([CYCLE_RESTART_NOTE]);
    const empty = buildDigestMessage({ pick: { entries: [], cycleRestarted: false, nothingNew: true }, localDate: '2025-06-02' });
    expect(empty.entries).toEqual([]);
    expect(empty.emptyText).toBe(NOTHING_NEW_TEXT);
  });
});

describe('paperLink', () => {
  it('takes the url, else the DOI, else the arXiv id, and never a non-web link', () => {
    expect(paperLink({ url: 'https://example.org/a', doi: '10.1/x', arxivId: null })).toBe('https://example.org/a');
    expect(paperLink({ url: null, doi: '10.1145/3394486.3403344', arxivId: null })).toBe('https://doi.org/10.1145/3394486.3403344');
    expect(paperLink({ url: null, doi: null, arxivId: '1801.02610' })).toBe('https://arxiv.org/abs/1801.02610');
    expect(paperLink({ url: 'javascript:alert(1)', doi: null, arxivId: null })).toBeNull();
    expect(paperLink({ url: 'https://evil.example/a> @everyone', doi: null, arxivId: null })).toBeNull();
  });
});
