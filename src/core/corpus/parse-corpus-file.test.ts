/**
 * One corpus file → papers and problems. Every bad line is reported with its file and 1-based line, a bad
 * metadata field is dropped (the paper kept), and nothing is dropped silently.
 */
import { describe, expect, it } from 'vitest';
import type { CorpusProblem } from './paper.ts';
import { MIN_ABSTRACT_CHARS, parseCorpusFile } from './parse-corpus-file.ts';
import { ABSTRACT_A, ABSTRACT_B, ABSTRACT_C } from './sample-abstracts.fixture.ts';


const jsonl = (...records: unknown[]): string => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const where = (problems: CorpusProblem[]) => problems.map((p) => `${p.file}:${p.line} ${p.kind}`);

describe('parseCorpusFile, .txt', () => {
  it('reads one abstract per line, each paper with its file:line source and no invented metadata', () => {
    const { papers, problems } = parseCorpusFile('seeds/abstracts.txt', `${ABSTRACT_A}\n${ABSTRACT_B}\n${ABSTRACT_C}\n`);
    expect(problems).toEqual([]);
    expect(papers.map((p) => p.source)).toEqual(['seeds/abstracts.txt:1', 'seeds/abstracts.txt:2', 'seeds/abstracts.txt:3']);
    expect(papers.map((p) => p.label)).toEqual(['VaSSO', 'FaMUS', 'AdvGAN']);
    for (const paper of papers) {
      expect(paper).toMatchObject({ title: null, authors: [], year: null, venue: null, url: null, doi: null, arxivId: null });
      expect(paper.id).toMatch(/^h:[0-9a-f]{16}$/);
    }
    expect(papers[1]?.abstract).toBe(ABSTRACT_B);
  });

  it('skips empty and blank lines without a problem, and keeps counting lines', () => {
    const { papers, problems } = parseCorpusFile('a.txt', `\n${ABSTRACT_A}\n   \n\t\n${ABSTRACT_B}\n\n`);
    expect(problems).toEqual([]);
    expect(papers.map((p) => p.source)).toEqual(['a.txt:2', 'a.txt:5']);
  });

  it('reports a line too short to be an abstract, with its line, and keeps the rest', () => {
    const { papers, problems } = parseCorpusFile('a.txt', `${ABSTRACT_A}\nA title, not an abstract\n${ABSTRACT_B}`);
    expect(papers.map((p) => p.source)).toEqual(['a.txt:1', 'a.txt:3']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'a.txt', line: 2, kind: 'too-short' });
    expect(problems[0]?.message).toContain(String(MIN_ABSTRACT_CHARS));
  });

  it('handles a UTF-8 byte order mark and CRLF line endings', () => {
    const { papers, problems } = parseCorpusFile('windows.txt', `\uFEFF${ABSTRACT_A}\r\n\r\n${ABSTRACT_B}\r\n`);
    expect(problems).toEqual([]);
    expect(papers.map((p) => p.abstract)).toEqual([ABSTRACT_A, ABSTRACT_B]);
    expect(papers.map((p) => p.source)).toEqual(['windows.txt:1', 'windows.txt:3']);
    // Same text, same id, whatever the line endings.
    expect(papers[0]?.id).toBe(parseCorpusFile('unix.txt', ABSTRACT_A).papers[0]?.id);
  });
});

describe('parseCorpusFile, .jsonl', () => {
  it("keeps the arXiv category a paper was filed under, and names a value that is not one", () => {
    const { papers, problems } = parseCorpusFile('papers.jsonl', jsonl({ arxiv_id: '2612.00001', primary_category: 'cs.LG', abstract: ABSTRACT_A }, { primary_category: 'computer vision', abstract: ABSTRACT_B }));
    expect(papers.map((p) => p.primaryCategory)).toEqual(['cs.LG', null]);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('field "primary_category" ignored: expected an arXiv category such as cs.LG')]);
  });

  it('reads every field of a full record', () => {
    const record = {
      id: 'famus-2021',
      title: 'Faster  Meta Update Strategy\nfor Noise-Robust Deep Learning',
      authors: ['Youjiang Xu', ' Linchao Zhu '],
      year: 2021,
      venue: 'CVPR',
      url: 'https://example.org/famus',
      arxiv_id: 'arXiv:2104.15092v1',
      doi: 'https://doi.org/10.1109/CVPR46437.2021.00017',
      abstract: `  ${ABSTRACT_B}\n  `,
    };
    const { papers, problems } = parseCorpusFile('papers.jsonl', jsonl(record));
    expect(problems).toEqual([]);
    expect(papers).toHaveLength(1);
    expect(papers[0]).toMatchObject({
      id: 'famus-2021',
      title: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
      label: 'Faster Meta Update Strategy for Noise-Robust Deep Learning',
      authors: ['Youjiang Xu', 'Linchao Zhu'],
      year: 2021,
      venue: 'CVPR',
      url: 'https://example.org/famus',
      arxivId: '2104.15092v1',
      doi: '10.1109/cvpr46437.2021.00017',
      abstract: ABSTRACT_B,
      source: 'papers.jsonl:1',
    });
    expect(papers[0]?.aliases).toContain('FaMUS');
  });

  it('derives the id and link from a DOI or arXiv id when no id or url is given', () => {
    const { papers } = parseCorpusFile('p.jsonl', jsonl({ doi: '10.1145/3394486.3403344', abstract: ABSTRACT_A }, { arxiv_id: '1801.02610', abstract: ABSTRACT_C }));
    expect(papers.map((p) => [p.id, p.url])).toEqual([
      ['doi:10.1145/3394486.3403344', 'https://doi.org/10.1145/3394486.3403344'],
      ['arxiv:1801.02610', 'https://arxiv.org/abs/1801.02610'],
    ]);
  });

  it('accepts authors as one string separated by "and" or ";", and a year written as a string', () => {
    const { papers, problems } = parseCorpusFile('p.jsonl', jsonl({ authors: 'Ada Lovelace and Alan Turing; Grace Hopper', year: '2019', abstract: ABSTRACT_A }));
    expect(problems).toEqual([]);
    expect(papers[0]?.authors).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
    expect(papers[0]?.year).toBe(2019);
  });

  it('reports a broken JSON line with its line number and keeps the other lines', () => {
    const { papers, problems } = parseCorpusFile('p.jsonl', jsonl({ abstract: ABSTRACT_A }, '{"abstract": "unterminated', { abstract: ABSTRACT_B }));
    expect(papers.map((p) => p.source)).toEqual(['p.jsonl:1', 'p.jsonl:3']);
    expect(where(problems)).toEqual(['p.jsonl:2 invalid-json']);
    expect(problems[0]?.message).toMatch(/not valid JSON/);
  });

  it('reports a line holding a JSON array, or any non-object, as invalid', () => {
    const { papers, problems } = parseCorpusFile('p.jsonl', jsonl([{ abstract: ABSTRACT_A }], 'null', '42', '"text"', { abstract: ABSTRACT_B }));
    expect(papers.map((p) => p.source)).toEqual(['p.jsonl:5']);
    expect(where(problems)).toEqual(['p.jsonl:1 invalid-json', 'p.jsonl:2 invalid-json', 'p.jsonl:3 invalid-json', 'p.jsonl:4 invalid-json']);
    expect(problems[0]?.message).toMatch(/JSON object/);
  });

  it('reports a record without an abstract, with an empty one, or with one that is not text', () => {
    const { papers, problems } = parseCorpusFile('p.jsonl', jsonl({ title: 'Only a title' }, { title: 'Blank', abstract: '   ' }, { abstract: 12345 }));
    expect(papers).toEqual([]);
    expect(where(problems)).toEqual(['p.jsonl:1 missing-abstract', 'p.jsonl:2 missing-abstract', 'p.jsonl:3 invalid-field', 'p.jsonl:3 missing-abstract']);
  });

  it('takes a 90-character Chinese abstract as a whole one and refuses a Chinese fragment, saying how it counted', () => {
    const zh = '我们研究单通道语音分离问题，即从一个麦克风录制的混合信号中恢复多个说话人的声音。本文提出一种基于时域卷积的分离模型，并在公开数据集上取得了更好的分离效果与更低的计算成本。';
    const { papers, problems } = parseCorpusFile('zh.jsonl', `${JSON.stringify({ abstract: zh })}\n${JSON.stringify({ abstract: '一种新的剪枝方法。' })}\n`);
    expect(papers.map((p) => p.abstract)).toEqual([zh]);
    expect(problems).toEqual([
      { file: 'zh.jsonl', line: 2, kind: 'too-short', message: 'abstract is 9 characters (25 counting a Chinese or Japanese character as 3), too short to be one (at least 100 expected); skipped' },
    ]);
  });

  it('reports an abstract too short to be one', () => {
    const { papers, problems } = parseCorpusFile('p.jsonl', jsonl({ title: 'Attention Is All You Need', abstract: 'Transformers.' }));
    expect(papers).toEqual([]);
    expect(where(problems)).toEqual(['p.jsonl:1 too-short']);
    expect(problems[0]?.message).toMatch(/13 characters/);
  });

  it.each([
    ['year', 23, 'a four-digit year'],
    ['year', 'twenty twenty', 'a four-digit year'],
    ['year', 2021.5, 'a four-digit year'],
    ['url', 'ftp://example.org/paper.pdf', 'an http(s) URL'],
    ['url', 'see the proceedings', 'an http(s) URL'],
    ['authors', 42, 'a list of names or a string'],
    ['authors', ['Ada Lovelace', 7], 'a list of names or a string'],
    ['title', ['not', 'a', 'string'], 'a string'],
    ['venue', { name: 'CVPR' }, 'a string'],
  ])('drops a bad %s (%j), keeps the paper and reports the field with what was expected', (field, value, expected) => {
    const { papers, problems } = parseCorpusFile('meta.jsonl', jsonl({ abstract: ABSTRACT_C }, { [field]: value, abstract: ABSTRACT_A }));
    expect(papers.map((p) => p.source)).toEqual(['meta.jsonl:1', 'meta.jsonl:2']);
    expect(where(problems)).toEqual(['meta.jsonl:2 invalid-field']);
    expect(problems[0]?.message).toContain(`"${field}"`);
    expect(problems[0]?.message).toContain(expected);
    const kept = papers[1];
    expect(kept?.abstract).toBe(ABSTRACT_A);
    const dropped = { year: kept?.year, url: kept?.url, authors: kept?.authors, title: kept?.title, venue: kept?.venue }[field];
    expect(dropped === null || (Array.isArray(dropped) && dropped.length === 0)).toBe(true);
  });

  it('handles a UTF-8 byte order mark and CRLF line endings', () => {
    const { papers, problems } = parseCorpusFile('w.jsonl', `\uFEFF${JSON.stringify({ title: 'First', abstract: ABSTRACT_A })}\r\n${JSON.stringify({ abstract: ABSTRACT_B })}\r\n`);
    expect(problems).toEqual([]);
    expect(papers.map((p) => [p.source, p.title])).toEqual([
      ['w.jsonl:1', 'First'],
      ['w.jsonl:2', null],
    ]);
  });

  it('gives the same paper the same id and text hash in .txt and .jsonl, so duplicates across formats are found', () => {
    const fromTxt = parseCorpusFile('a.txt', ABSTRACT_A).papers[0];
    const fromJsonl = parseCorpusFile('b.jsonl', jsonl({ abstract: ABSTRACT_A })).papers[0];
    expect(fromJsonl?.id).toBe(fromTxt?.id);
    expect(fromJsonl?.textHash).toBe(fromTxt?.textHash);
  });

  it('changes the content hash, but not the text hash, when only metadata changes', () => {
    const before = parseCorpusFile('p.jsonl', jsonl({ id: 'x', abstract: ABSTRACT_A })).papers[0];
    const after = parseCorpusFile('p.jsonl', jsonl({ id: 'x', title: 'Now With a Title', abstract: ABSTRACT_A })).papers[0];
    expect(after?.textHash).toBe(before?.textHash);
    expect(after?.contentHash).not.toBe(before?.contentHash);
  });
});
