/**
 * What a channel reads: the digest's title with its local date, each entry with its link (in <>, from our
 * metadata only), TL;DR and reason, the "new" marker, the new-round note, the "nothing new today" message,
 * and messages that stay within Discord's 2,000 characters, split between entries.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCorpusFile } from '../corpus/parse-corpus-file.ts';
import type { Paper } from '../corpus/paper.ts';
import type { DigestPick } from './pick-papers.ts';
import { CYCLE_RESTART_NOTE, NOTHING_NEW_TEXT, buildDigestMessage, escapeMarkdown, paperLink, renderDigestText } from './render-digest.ts';

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
    expect(message.entries[1]).toMatchObject({ n: 2, label: 'Intra-Fusion', url: null, source: 'seed-papers.jsonl:2', isNew: false });
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

describe('renderDigestText', () => {
  it('renders the title with the date, the new marker, links in <> and each reason', () => {
    const [text, ...rest] = renderDigestText(buildDigestMessage({ pick, localDate: '2025-06-02', topic: 'noisy labels' }));
    expect(rest).toEqual([]);
    const lines = (text ?? '').split('\n');
    expect(lines[0]).toBe('📚 **Paper digest · 2025-06-02** · topic: “noisy labels”');
    expect(text).toContain('**1. 🆕 Faster Meta Update Strategy for Noise-Robust Deep Learning**\n<https://openaccess.thecvf.com/');
    expect(text).toContain('\nTL;DR: We introduce a novel Faster Meta Update Strategy (FaMUS)');
    expect(text).toContain('\nWhy: added since the last digest');
    expect(text).toContain('**2. Intra-Fusion**\nSource: seed-papers.jsonl:2\n');
    expect(text).not.toMatch(/2\. 🆕/);
  });

  it('shows the new-round note and the nothing-new message', () => {
    const restarted = renderDigestText(buildDigestMessage({ pick: { ...pick, cycleRestarted: true }, localDate: '2025-06-02' }))[0] ?? '';
    expect(restarted.split('\n')[1]).toBe(`*${CYCLE_RESTART_NOTE}*`);
    const empty = renderDigestText(buildDigestMessage({ pick: { entries: [], cycleRestarted: false, nothingNew: true }, localDate: '2025-06-02' }));
    expect(empty).toEqual([`📚 **Paper digest · 2025-06-02**\n${NOTHING_NEW_TEXT}`]);
  });

  it('shows markdown in titles and topics as typed', () => {
    const tricky = { ...famus, title: '**Bold** _claims_ <@123> [click](https://x.y)' };
    const text = renderDigestText(buildDigestMessage({ pick: { ...pick, entries: [{ paper: tricky, reason: 'topic', why: 'relevant to the topic “a*b”' }] }, localDate: '2025-06-02', topic: 'a*b' }))[0] ?? '';
    expect(text).toContain('**1. \\*\\*Bold\\*\\* \\_claims\\_ \\<@123\\> \\[click\\](https://x.y)**');
    expect(text).toContain('topic: “a\\*b”');
    expect(escapeMarkdown('plain words (ok)')).toBe('plain words (ok)');
  });

  it('renders bare text for a terminal', () => {
    const text = renderDigestText(buildDigestMessage({ pick, localDate: '2025-06-02' }), { markdown: false })[0] ?? '';
    expect(text.split('\n')[0]).toBe('📚 Paper digest · 2025-06-02');
    expect(text).toContain('1. 🆕 Faster Meta Update Strategy for Noise-Robust Deep Learning\nhttps://openaccess.thecvf.com/');
  });

  it('splits a long digest between entries into messages of at most 2,000 characters', () => {
    const long = papers.slice(0, 10).map((p, i) => ({
      paper: { ...p, title: `${'A very long title about sharpness, pruning and robustness '.repeat(2)}${i}`, url: `https://example.org/${'path/'.repeat(30)}${i}` },
      reason: 'diverse' as const,
      why: 'not featured in this channel yet, and unlike the papers above',
    }));
    const message = buildDigestMessage({ pick: { entries: long, cycleRestarted: true, nothingNew: false }, localDate: '2025-06-02' });
    const messages = renderDigestText(message);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(2_000);
    // Every entry is whole in exactly one message, in order, and the title opens the first.
    expect(messages[0]?.startsWith('📚 **Paper digest · 2025-06-02**')).toBe(true);
    const joined = messages.join('\n\n');
    for (const [i, e] of message.entries.entries()) {
      const holder = messages.filter((m) => m.includes(`**${i + 1}. `));
      expect(holder).toHaveLength(1);
      expect(holder[0]).toContain(`TL;DR: ${escapeMarkdown(e.tldr)}\nWhy: ${e.why}`);
    }
    expect(joined.indexOf('**10. ')).toBeGreaterThan(joined.indexOf('**9. '));
  });

  it('splits an entry that alone exceeds the limit by line and by word, losing nothing', () => {
    const huge = { ...famus, title: 'word '.repeat(700).trim() };
    const messages = renderDigestText(buildDigestMessage({ pick: { ...pick, entries: [{ paper: huge, reason: 'diverse', why: 'because' }] }, localDate: '2025-06-02' }));
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(2_000);
    expect(messages.join(' ').match(/word/g)).toHaveLength(700);
    expect(messages.at(-1)).toMatch(/Why: because$/);
  });

  it('honours a smaller limit', () => {
    const messages = renderDigestText(buildDigestMessage({ pick, localDate: '2025-06-02' }), { maxChars: 400 });
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(400);
  });
});
