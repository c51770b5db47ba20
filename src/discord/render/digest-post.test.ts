/**
 * What a channel reads: the digest's title with its local date, each entry with its link in <>, TL;DR and
 * reason, the "new" marker, the new-round note, the "nothing new today" message, paper text shown as typed,
 * and messages that stay within Discord's 2,000 characters, split between entries.
 */
import { describe, expect, it } from 'vitest';
import { CYCLE_RESTART_NOTE, NOTHING_NEW_TEXT, type DigestMessage, type DigestMessageEntry } from '../../core/digest/digest-message.ts';
import { parseDigestVoteId } from '../custom-ids.ts';
import { digestVoteRows, renderDigestParts, renderDigestPost } from './digest-post.ts';

function entry(n: number, overrides: Partial<DigestMessageEntry> = {}): DigestMessageEntry {
  return {
    n,
    paperId: `p${n}`,
    label: `Paper number ${n}`,
    url: `https://example.org/paper-${n}`,
    source: `papers.jsonl:${n}`,
    tldr: `Paper ${n} proposes a method and shows that it works.`,
    why: 'not featured in this channel yet, and unlike the papers above',
    reason: 'diverse',
    isNew: false,
    ...overrides,
  };
}

function digest(entries: DigestMessageEntry[], overrides: Partial<DigestMessage> = {}): DigestMessage {
  return { localDate: '2025-06-02', title: 'Paper digest · 2025-06-02', topic: null, notes: [], entries, emptyText: null, ...overrides };
}

const famus = entry(1, {
  label: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
  url: 'https://openaccess.thecvf.com/famus',
  tldr: 'We introduce a novel Faster Meta Update Strategy (FaMUS).',
  why: 'added since the last digest',
  reason: 'new',
  isNew: true,
});
const intraFusion = entry(2, { label: 'Intra-Fusion', url: null, source: 'seed-papers.jsonl:2' });

describe('renderDigestPost', () => {
  it('renders the title with the date, the new marker, links in <> and each reason', () => {
    const [text, ...rest] = renderDigestPost(digest([famus, intraFusion], { topic: 'noisy labels' }));
    expect(rest).toEqual([]);
    expect(text?.split('\n')[0]).toBe('📚 **Paper digest · 2025-06-02** · topic: “noisy labels”');
    expect(text).toContain('**1. 🆕 Faster Meta Update Strategy for Noise-Robust Deep Learning**\n<https://openaccess.thecvf.com/famus>\n');
    expect(text).toContain('\nTL;DR: We introduce a novel Faster Meta Update Strategy (FaMUS).\nWhy: added since the last digest');
    expect(text).toContain('**2. Intra-Fusion**\nSource: seed-papers.jsonl:2\n');
    expect(text).not.toMatch(/2\. 🆕/);
  });

  it('shows the new-round note and the nothing-new message', () => {
    const restarted = renderDigestPost(digest([famus], { notes: [CYCLE_RESTART_NOTE] }))[0] ?? '';
    expect(restarted.split('\n')[1]).toBe(`*${CYCLE_RESTART_NOTE}*`);
    expect(renderDigestPost(digest([], { emptyText: NOTHING_NEW_TEXT }))).toEqual([`📚 **Paper digest · 2025-06-02**\n${NOTHING_NEW_TEXT}`]);
  });

  it('shows markdown in titles and topics as typed, masked links included', () => {
    const tricky = entry(1, { label: '**Bold** _claims_ ~~gone~~ ||spoiler|| [click](https://x.y)' });
    const text = renderDigestPost(digest([tricky], { topic: 'a*b' }))[0] ?? '';
    expect(text).toContain('**1. \\*\\*Bold\\*\\* \\_claims\\_ \\~\\~gone\\~\\~ \\|\\|spoiler\\|\\| click (`https://x.y`)**');
    expect(text).toContain('topic: “a\\*b”');
    expect(renderDigestPost(digest([entry(1, { label: 'plain words (ok)' })]))[0]).toContain('**1. plain words (ok)**');
  });

  it('splits a long digest between entries into messages of at most 2,000 characters', () => {
    const long = Array.from({ length: 10 }, (_, i) =>
      entry(i + 1, { label: `${'A very long title about sharpness, pruning and robustness '.repeat(2)}${i}`, url: `https://example.org/${'path/'.repeat(30)}${i}` }),
    );
    const messages = renderDigestPost(digest(long, { notes: [CYCLE_RESTART_NOTE] }));
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(2_000);
    // Every entry is whole in exactly one message, in order, and the title opens the first.
    expect(messages[0]?.startsWith('📚 **Paper digest · 2025-06-02**')).toBe(true);
    for (const e of long) {
      const holder = messages.filter((m) => m.includes(`**${e.n}. `));
      expect(holder).toHaveLength(1);
      expect(holder[0]).toContain(`TL;DR: ${e.tldr}\nWhy: ${e.why}`);
    }
    const joined = messages.join('\n\n');
    expect(joined.indexOf('**10. ')).toBeGreaterThan(joined.indexOf('**9. '));
  });

  it('splits an entry that alone exceeds the limit, losing nothing', () => {
    const huge = entry(1, { label: 'word '.repeat(700).trim(), why: 'because' });
    const messages = renderDigestPost(digest([huge]));
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(2_000);
    expect(messages.join(' ').match(/word/g)).toHaveLength(700);
    expect(messages.at(-1)).toMatch(/Why: because$/);
  });

  it('honours a smaller limit', () => {
    const messages = renderDigestPost(digest([famus, intraFusion]), 400);
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(400);
  });

  it('gives each entry its 👍/👎 under the message that shows it: two entries a row, ten entries in five rows', () => {
    const ten = Array.from({ length: 10 }, (_, i) => entry(i + 1, { tldr: 'x'.repeat(250) }));
    const parts = renderDigestParts(digest(ten));
    expect(parts.flatMap((p) => p.entries)).toEqual(ten.map((e) => e.n));
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) for (const n of part.entries) expect(part.content).toContain(`**${n}. Paper number ${n}**`);

    const rows = digestVoteRows('2025-06-02', ten.map((e) => e.n));
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.components).toHaveLength(4);
    const buttons = rows.flatMap((r) => r.components);
    expect(buttons.map((b) => `${b.emoji?.name}${b.label}`).slice(0, 4)).toEqual(['👍1', '👎1', '👍2', '👎2']);
    const ids = buttons.map((b) => b.custom_id);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(100);
    expect(parseDigestVoteId(ids[3] ?? '')).toEqual({ vote: 'down', localDate: '2025-06-02', n: 2 });
    // An odd count leaves the last row half full; the header message alone has no buttons.
    expect(digestVoteRows('2025-06-02', [1, 2, 3]).map((r) => r.components.length)).toEqual([4, 2]);
    expect(digestVoteRows('2025-06-02', [])).toEqual([]);
  });
});
