import { describe, expect, it } from 'vitest';
import type { Paper } from '../../core/corpus/paper.ts';
import { paper } from '../../../tests/support/paper-fixture.ts';
import { embedSize, paperChoices, renderPaper, renderSimilar } from './paper-message.ts';

/** FaMUS with all its metadata: what these renderings are about, unless a test says otherwise. */
const famus = (overrides: Partial<Paper> = {}): Paper =>
  paper('p1', {
    label: 'FaMUS',
    title: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
    authors: ['Youjiang Xu', 'Linchao Zhu'],
    year: 2021,
    venue: 'CVPR',
    url: 'https://example.org/famus',
    abstract: 'FaMUS approximates the meta gradient. It saves time.',
    aliases: ['FaMUS'],
    source: 'seed-papers.jsonl:7',
    ...overrides,
  });

describe('renderPaper', () => {
  it('shows title, authors, year, venue, link, abstract, source and id, with a Similar papers button', () => {
    const message = renderPaper(famus());
    const embed = message.embeds?.[0];
    expect(embed).toMatchObject({ title: 'Faster Meta Update Strategy for Noise-Robust Deep Learning', url: 'https://example.org/famus', description: 'FaMUS approximates the meta gradient. It saves time.' });
    expect(embed?.fields?.map((f) => [f.name, f.value])).toEqual([
      ['Authors', 'Youjiang Xu, Linchao Zhu'],
      ['Year', '2021'],
      ['Venue', 'CVPR'],
      ['Source', '`seed-papers.jsonl:7`'],
      ['Id', '`p1`'],
    ]);
    const buttons = message.components?.[0]?.components ?? [];
    expect(buttons.map((b) => ('custom_id' in b ? b.custom_id : 'url' in b ? b.url : null))).toEqual(['similar:p1', 'cite:p1', 'askpaper:p1', 'https://example.org/famus']);
  });

  it('keeps every embed limit with enormous metadata', () => {
    const huge = famus({
      title: 'T'.repeat(1000),
      authors: Array.from({ length: 500 }, (_, i) => `Author Number ${i}`),
      venue: 'V'.repeat(3000),
      abstract: Array.from({ length: 800 }, (_, i) => `Sentence ${i} of a very long abstract.`).join(' '),
      id: 'x'.repeat(150),
      url: null,
    });
    const embed = renderPaper(huge).embeds![0]!;
    expect(embed.title!.length).toBeLessThanOrEqual(256);
    expect(embed.description!.length).toBeLessThanOrEqual(4096);
    expect(embed.description).toMatch(/\. …$/);
    for (const f of embed.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(1024);
    expect(embedSize(embed)).toBeLessThanOrEqual(6000);
    // The id is too long for a custom id: no Similar button rather than an invalid one.
    expect(renderPaper(huge).components).toEqual([]);
  });

  it('says plainly when the title is not in the corpus', () => {
    const embed = renderPaper(famus({ title: null, label: 'Intra-Fusion' })).embeds?.[0];
    expect(embed?.title).toBe('Intra-Fusion');
    expect(embed?.fields?.find((f) => f.name === 'Title')?.value).toMatch(/not given in the corpus/);
  });
});

describe('paperChoices', () => {
  it('gives at most 25 choices, names of at most 100 characters, ids as values (or the name when the id is too long)', () => {
    const papers = Array.from({ length: 40 }, (_, i) => famus({ id: i === 0 ? 'y'.repeat(120) : `p${i}`, title: `${'Long title '.repeat(20)}${i}` }));
    const choices = paperChoices(papers);
    expect(choices).toHaveLength(25);
    for (const c of choices) {
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.name.length).toBeLessThanOrEqual(100);
      expect(c.value.length).toBeLessThanOrEqual(100);
      expect(c.name).toMatch(/… \(2021\)$/);
    }
    expect(choices[1]?.value).toBe('p1');
  });
});

describe('renderSimilar', () => {
  it('lists the papers one line each, with similarity and link', () => {
    const content = renderSimilar(famus(), [{ paper: famus({ id: 'p2', title: 'Other', source: 'x.jsonl:2' }), similarity: 0.8123 }]).content;
    expect(content).toBe('**Papers similar to Faster Meta Update Strategy for Noise-Robust Deep Learning**\n1. **Other** (2021) — `x.jsonl:2` · similarity 0.81 <https://example.org/famus>');
  });

  it('says when nothing is similar, and when similarity is lexical', () => {
    expect(renderSimilar(famus(), []).content).toMatch(/No other paper/);
    expect(renderSimilar(famus(), [{ paper: famus({ id: 'p2' }), similarity: null }]).content).toMatch(/By shared distinctive words/);
  });
});

describe('emoji and accents in titles', () => {
  it('cuts embed titles and autocomplete choice names between graphemes, never inside one', () => {
    const title = `A${'👍🏽'.repeat(150)}`;
    const segments = (text: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text.replace(/…$/, ''))].map((s) => s.segment);
    const embed = renderPaper(famus({ title })).embeds?.[0];
    expect(embed?.title?.length).toBeLessThanOrEqual(256);
    expect(new Set(segments(embed?.title ?? ''))).toEqual(new Set(['A', '👍🏽']));
    const [choice] = paperChoices([famus({ title, year: 2021 })]);
    expect(choice?.name.length).toBeLessThanOrEqual(100);
    expect(choice?.name).toMatch(/… \(2021\)$/);
    expect(new Set(segments(choice?.name.replace(/ \(2021\)$/, '') ?? ''))).toEqual(new Set(['A', '👍🏽']));
  });
});
