import { describe, expect, it } from 'vitest';
import { atomError, atomXml, rssXml } from '../../src/dev/fake-arxiv.ts';
import { parseArxivAtom } from '../../src/sources/arxiv/parse-atom.ts';
import { parseArxivRss } from '../../src/sources/arxiv/parse-rss.ts';
import { arxivPaper, arxivPapers } from './arxiv-fixtures.ts';

describe('the arXiv RSS feed', () => {
  it('reads each announce type into one record per arXiv id without version', () => {
    const xml = rssXml('cs.LG+stat.ML', '2026-12-02', [
      arxivPaper(1, { announceType: 'new', doi: '10.1000/ABC', journalRef: 'J. Mach. Learn. 12 (2026)' }),
      arxivPaper(2, { announceType: 'replace', version: 3 }),
      arxivPaper(3, { announceType: 'cross', categories: ['math.OC', 'stat.ML'] }),
      arxivPaper(4, { announceType: 'replace-cross', version: 2, categories: ['math.OC', 'cs.LG'] }),
    ]);
    const { items, skipped, nothingToday } = parseArxivRss(xml, ['cs.LG', 'stat.ML']);
    expect(skipped).toEqual([]);
    expect(nothingToday).toBeUndefined();
    expect(items.map((i) => [i.record.arxiv_id, i.kind, i.shelf])).toEqual([
      ['2612.00001', 'new', 'cs.LG'],
      ['2612.00002', 'replace', 'cs.LG'],
      ['2612.00003', 'new', 'stat.ML'],
      ['2612.00004', 'replace', 'cs.LG'],
    ]);
    expect(items[0]?.record).toEqual({
      title: 'Paper number 1 on sparse gradient methods',
      authors: ['Ada Lovelace', 'Alan Turing'],
      year: 2026,
      venue: 'J. Mach. Learn. 12 (2026)',
      url: 'https://arxiv.org/abs/2612.00001',
      arxiv_id: '2612.00001',
      doi: '10.1000/abc',
      categories: ['cs.LG'],
      announced: '2026-12-02',
      abstract: arxivPaper(1).abstract,
    });
  });

  it('says there are no announcements on an empty weekend feed', () => {
    const result = parseArxivRss(rssXml('cs.LG', '2026-12-05', []), ['cs.LG']);
    expect(result.items).toEqual([]);
    expect(result.nothingToday).toMatch(/^no announcements today \(arXiv announces nothing on Saturday, Sunday and holidays\)/);
  });

  it('skips an item without an abstract, naming it, and keeps the others', () => {
    const result = parseArxivRss(rssXml('cs.LG', '2026-12-02', [arxivPaper(1, { abstract: null }), arxivPaper(2)]), ['cs.LG']);
    expect(result.items.map((i) => i.record.arxiv_id)).toEqual(['2612.00002']);
    expect(result.skipped).toEqual(['arXiv:2612.00001 has no abstract in the feed']);
  });

  it('keeps LaTeX and character references in titles as arXiv wrote them', () => {
    const xml = rssXml('cs.LG', '2026-12-02', [arxivPaper(1, { title: '$\\alpha$-Divergence & <Sharpness> for Adam\'s step' })]);
    expect(parseArxivRss(xml.replace("Adam'", 'Adam&#39;'), ['cs.LG']).items[0]?.record.title).toBe("$\\alpha$-Divergence & <Sharpness> for Adam's step");
  });

  it('refuses malformed XML with the line of the problem', () => {
    expect(() => parseArxivRss('<?xml version="1.0"?>\n<rss>\n<channel><item><title>cut', ['cs.LG'])).toThrow(/^arXiv's RSS feed is not valid XML \(line \d+: .+\); nothing was written\.$/);
  });

  it('reads several hundred items', () => {
    const result = parseArxivRss(rssXml('cs.LG', '2026-12-02', arxivPapers(1, 400)), ['cs.LG']);
    expect(result.items).toHaveLength(400);
    expect(new Set(result.items.map((i) => i.record.arxiv_id)).size).toBe(400);
  });
});

describe('the arXiv API (Atom)', () => {
  it('reads entries: id without version, v1 date, authors, primary category first, DOI', () => {
    const page = parseArxivAtom(
      atomXml([arxivPaper(7, { version: 2, published: '2026-11-20', updated: '2026-12-01', categories: ['stat.ML', 'cs.LG'], doi: '10.5802/JEP.257' })], { total: 31 }),
    );
    expect(page.totalResults).toBe(31);
    expect(page.items).toEqual([
      {
        kind: 'replace',
        shelf: 'stat.ML',
        record: expect.objectContaining({ arxiv_id: '2612.00007', year: 2026, published: '2026-11-20', categories: ['stat.ML', 'cs.LG'], primary_category: 'stat.ML', doi: '10.5802/jep.257', authors: ['Ada Lovelace', 'Alan Turing'], url: 'https://arxiv.org/abs/2612.00007' }),
      },
    ]);
  });

  it("turns arXiv's error entry into its own sentence", () => {
    expect(() => parseArxivAtom(atomError('incorrect id format for 1234.12345'))).toThrow('The arXiv API refused the query: incorrect id format for 1234.12345.');
  });
});
