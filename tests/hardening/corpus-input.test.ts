/**
 * Corpus input that is not text, or not sane (issue 11, §2): binary files, invalid UTF-8, control and bidi
 * characters, abstracts and lines far over any abstract's size, and every line ending; and the same check
 * in every source (arXiv feeds and /add through the merge, the BibTeX import). Whatever the file
 * holds, no paper may carry a character that could reach a label or a Discord message disguised.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkText } from '../../src/core/corpus/chunk-passages.ts';
import { loadCorpus } from '../../src/core/corpus/load-corpus.ts';
import type { CorpusProblem, Paper } from '../../src/core/corpus/paper.ts';
import { parseCorpusFile } from '../../src/core/corpus/parse-corpus-file.ts';
import { findUnsafeCharacter, MAX_ABSTRACT_CHARS } from '../../src/core/corpus/safe-text.ts';
import { parseBibtex } from '../../src/sources/bibtex/bibtex-records.ts';
import { mergeIntoCorpus } from '../../src/sources/merge-into-corpus.ts';
import type { SourceItem } from '../../src/sources/paper-source.ts';

const ABSTRACT = (n: number): string =>
  `Paper ${n}: we propose a sharpness-aware optimizer that suppresses the variance of the adversary and improves generalization on image classification benchmarks.`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-input-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const where = (problems: CorpusProblem[]) => problems.map((p) => `${p.file}:${p.line} ${p.kind}`);

/** Every text a paper carries, as it would be stored, labelled and sent. */
function storedTexts(paper: Paper): string[] {
  return [paper.label, paper.title ?? '', paper.abstract, paper.venue ?? '', paper.url ?? '', paper.id, ...paper.authors, ...paper.aliases];
}

/** Deterministic bytes that look like a binary file: every byte value, NULs included. */
function garbage(size: number, seed = 7): Buffer {
  const bytes = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

describe('files that are not UTF-8 text', () => {
  it('reports 200 KB of binary garbage once, with the offset of its first invalid byte, and makes no paper of it', async () => {
    await writeFile(path.join(dir, 'good.txt'), `${ABSTRACT(1)}\n`);
    await writeFile(path.join(dir, 'garbage.txt'), garbage(200_000));
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => p.source)).toEqual(['good.txt:1']);
    expect(corpus.problems).toHaveLength(1);
    expect(corpus.problems[0]).toMatchObject({ file: 'garbage.txt', line: 0, kind: 'not-text' });
    expect(corpus.problems[0]?.message).toMatch(/^garbage\.txt is not a UTF-8 text file \(first invalid byte at offset \d+\); skipped$/);
  });

  it('names the first invalid byte of a file in Latin-1, and of a UTF-16 file (NUL bytes)', async () => {
    const latin1 = Buffer.from(`${ABSTRACT(1)} Caf\u00e9.\n${ABSTRACT(2)} Na\u00efve.\n`, 'latin1');
    await writeFile(path.join(dir, 'latin1.txt'), latin1);
    await writeFile(path.join(dir, 'utf16.txt'), Buffer.from(`${ABSTRACT(3)}\n`, 'utf16le'));
    const corpus = await loadCorpus(dir);
    expect(corpus.papers).toEqual([]);
    expect(corpus.problems.map((p) => p.message)).toEqual([
      `latin1.txt is not a UTF-8 text file (first invalid byte at offset ${latin1.indexOf(0xe9)}); skipped`,
      'utf16.txt is not a UTF-8 text file (first invalid byte at offset 1); skipped',
    ]);
  });

  it('skips a line with Latin-1 bytes in a UTF-8 file with file:line, never as U+FFFD, and keeps the lines after it numbered', async () => {
    const bytes = Buffer.concat([Buffer.from(`${ABSTRACT(1)}\n`), Buffer.from(`${ABSTRACT(2)} R\u00e9sum\u00e9.\n`, 'latin1'), Buffer.from(`${ABSTRACT(3)} Caf\u00e9 (UTF-8).\n`)]);
    await writeFile(path.join(dir, 'mixed.txt'), bytes);
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => p.source)).toEqual(['mixed.txt:1', 'mixed.txt:3']);
    expect(corpus.papers[1]?.abstract).toContain('Caf\u00e9');
    expect(where(corpus.problems)).toEqual(['mixed.txt:2 invalid-utf8']);
    expect(corpus.problems[0]?.message).toContain(`byte 0xe9 at offset ${bytes.indexOf(0xe9)} of the file`);
    expect(corpus.papers.flatMap(storedTexts).join('')).not.toContain('\uFFFD');
  });
});

describe('characters no paper may hold', () => {
  it('skips lines with control characters, C1 controls, DEL or bidi overrides, raw or escaped in JSON, with file:line', () => {
    const txt = parseCorpusFile('a.txt', [ABSTRACT(1), `${ABSTRACT(2)}\u0007`, `\u001b[31m${ABSTRACT(3)}`, `${ABSTRACT(4)}\u0085`, `${ABSTRACT(5)}\u007f`].join('\n'));
    expect(where(txt.problems)).toEqual(['a.txt:2 control-character', 'a.txt:3 control-character', 'a.txt:4 control-character', 'a.txt:5 control-character']);
    expect(txt.problems[0]?.message).toBe(`the line contains U+0007 (a control character) at column ${ABSTRACT(2).length + 1}; skipped`);

    const jsonl = parseCorpusFile(
      'b.jsonl',
      [
        JSON.stringify({ title: 'Fine', abstract: ABSTRACT(1) }),
        JSON.stringify({ title: 'Bell\u0007', abstract: ABSTRACT(2) }),
        JSON.stringify({ title: 'evil\u202Etxt.exe', abstract: ABSTRACT(3) }),
        JSON.stringify({ abstract: ABSTRACT(4), authors: ['Ada \u2066Lovelace'] }),
        JSON.stringify({ abstract: `${ABSTRACT(5)} \u{E0049}\u{E0047}\u{E004E}` }),
        `{"abstract": "${ABSTRACT(6)} \\ud800 lone"}`,
      ].join('\n'),
    );
    expect(where(jsonl.problems)).toEqual(['b.jsonl:2 control-character', 'b.jsonl:3 control-character', 'b.jsonl:4 control-character', 'b.jsonl:5 control-character', 'b.jsonl:6 control-character']);
    expect(jsonl.problems.map((p) => p.message)).toEqual([
      'the title contains U+0007 (a control character); skipped',
      'the line contains U+202E (a bidi override) at column 15; skipped',
      expect.stringMatching(/^the line contains U\+2066 \(a bidi override\)/),
      expect.stringMatching(/^the line contains U\+E0049 \(an invisible tag character\)/),
      'the abstract contains U+D800 (half of a surrogate pair); skipped',
    ]);
    expect(jsonl.papers.map((p) => p.title)).toEqual(['Fine']);
  });

  it('removes the invisible characters that only split words, and keeps the joiners and marks scripts need', () => {
    const { papers, problems } = parseCorpusFile(
      'c.jsonl',
      JSON.stringify({ title: 'Fa\u200bMUS\u00ad: fast\u2060er \uFEFFmeta updates', abstract: `We introduce a novel Faster Meta Update Strategy (Fa\u200bMUS). ${ABSTRACT(1)} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u200f` }),
    );
    expect(problems).toEqual([]);
    expect(papers[0]?.title).toBe('FaMUS: faster meta updates');
    expect(papers[0]?.aliases).toContain('FaMUS');
    expect(papers[0]?.abstract).toContain('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u200f');
  });

  it('stores no unsafe character whatever bytes a file holds', async () => {
    const lines = Array.from({ length: 40 }, (_, n) => `${ABSTRACT(n)} ${String.fromCodePoint(n < 31 ? n + 1 : 0x7f + n, 0x202a + (n % 5))}`);
    await writeFile(path.join(dir, 'noisy.txt'), [...lines, ABSTRACT(100), ABSTRACT(101), ...lines.map((l) => l.replace(/[\p{Cc}\u202a-\u202e]/gu, ''))].join('\n'));
    await writeFile(path.join(dir, 'half.txt'), Buffer.concat([Buffer.from(`${ABSTRACT(200)}\n`), garbage(300, 3).filter((b) => b !== 0)]));
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.length, JSON.stringify(corpus.problems.slice(0, 3))).toBeGreaterThanOrEqual(40);
    for (const paper of corpus.papers) for (const text of storedTexts(paper)) expect(findUnsafeCharacter(text), `${paper.source}: ${JSON.stringify(text)}`).toBeNull();
  });
});

describe('sizes', () => {
  it('skips an abstract over the limit with file:line, and keeps one at the limit', () => {
    const words = (chars: number) => 'Sharpness aware minimization improves generalization. '.repeat(Math.ceil(chars / 54)).slice(0, chars).trim();
    const { papers, problems } = parseCorpusFile('big.jsonl', [JSON.stringify({ abstract: words(MAX_ABSTRACT_CHARS + 50) }), JSON.stringify({ abstract: words(MAX_ABSTRACT_CHARS) })].join('\n'));
    expect(where(problems)).toEqual(['big.jsonl:1 too-long']);
    expect(problems[0]?.message).toMatch(/^the abstract is 100,0\d\d characters, over the limit of 100,000; skipped$/);
    expect(papers.map((p) => p.source)).toEqual(['big.jsonl:2']);
  });

  it('bounds the passages of the longest abstract allowed, whatever its sentences', () => {
    for (const sentence of [2, 120, 499, 501, 999, 5_000]) {
      const text = `${'x'.repeat(sentence - 1)}. `.repeat(Math.ceil(MAX_ABSTRACT_CHARS / (sentence + 1))).slice(0, MAX_ABSTRACT_CHARS);
      expect(chunkText(text).length, `sentences of ${sentence} characters`).toBeLessThanOrEqual(210);
    }
  });

  it('does not read a 50 MB single line into passages: one problem, quickly', async () => {
    await writeFile(path.join(dir, 'huge.txt'), `${ABSTRACT(1)}\n${'We study robust optimization of deep networks. '.repeat(1_100_000)}\n${ABSTRACT(3)}\n`);
    const started = Date.now();
    const corpus = await loadCorpus(dir);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(corpus.papers.map((p) => p.source)).toEqual(['huge.txt:1', 'huge.txt:3']);
    expect(where(corpus.problems)).toEqual(['huge.txt:2 too-long']);
    expect(corpus.problems[0]?.message).toBe('the line is 51,700,000 characters, over the limit of 1,000,000 for a corpus line; skipped');
  });
});

describe('line endings', () => {
  it('ends lines at \\r, \\n and \\r\\n alike, and counts them so in file:line', () => {
    const { papers, problems } = parseCorpusFile('mac.txt', `${ABSTRACT(1)}\r${ABSTRACT(2)}\r\n${ABSTRACT(3)}\nA title only\r${ABSTRACT(5)}\r`);
    expect(papers.map((p) => [p.source, p.abstract.slice(0, 8)])).toEqual([
      ['mac.txt:1', 'Paper 1:'],
      ['mac.txt:2', 'Paper 2:'],
      ['mac.txt:3', 'Paper 3:'],
      ['mac.txt:5', 'Paper 5:'],
    ]);
    expect(where(problems)).toEqual(['mac.txt:4 too-short']);
  });
});

describe('every source applies the same check', () => {
  const record = (overrides: Partial<SourceItem['record']>): SourceItem => ({
    kind: 'new',
    shelf: 'cs.LG',
    record: { title: 'A paper', authors: ['Ada Lovelace'], year: 2026, venue: null, url: 'https://arxiv.org/abs/2612.00001', arxiv_id: '2612.00001', doi: null, categories: ['cs.LG'], announced: '2026-12-02', abstract: ABSTRACT(1), ...overrides },
  });

  it('arXiv feeds and /add: a record with a bidi override or a control character, or an abstract over the limit, is not written', async () => {
    const report = await mergeIntoCorpus({
      corpusDir: dir,
      items: [
        record({ title: 'gpj.\u202Eexe', arxiv_id: '2612.00001' }),
        record({ authors: ['Eve\u0000'], arxiv_id: '2612.00002', abstract: ABSTRACT(2) }),
        record({ arxiv_id: '2612.00003', abstract: `${ABSTRACT(3)} ${'More words. '.repeat(9_000)}` }),
        record({ arxiv_id: '2612.00004', abstract: ABSTRACT(4) }),
      ],
      fileFor: () => 'arxiv/cs.LG/2026-12.jsonl',
      owns: () => true,
    });
    expect(report).toMatchObject({ added: 1, skipped: 3, addedIds: ['2612.00004'] });
    expect(report.problems).toEqual([
      'arXiv:2612.00001: the title contains U+202E (a bidi override); not added',
      'arXiv:2612.00002: the list of authors contains U+0000 (a control character); not added',
      `arXiv:2612.00003: the abstract is ${(ABSTRACT(3).length + 1 + 'More words. '.repeat(9_000).trim().length).toLocaleString('en-US')} characters, over the limit of 100,000; not added`,
    ]);
    expect((await loadCorpus(dir)).problems).toEqual([]);
  });

  it('BibTeX: an entry with a control character in any field is reported by its line and left out', () => {
    const bib = [
      `@article{fine2024,\n  title = {Fine},\n  abstract = {${ABSTRACT(1)}}\n}`,
      `@article{bidi2024,\n  title = {Invoice \u202Efdp.exe},\n  abstract = {${ABSTRACT(2)}}\n}`,
      `@article{bell2024,\n  title = {Bell},\n  abstract = {${ABSTRACT(3)} \u0007}\n}`,
    ].join('\n\n');
    const { records, problems } = parseBibtex(bib);
    expect(records.map((r) => r.bibtex_key)).toEqual(['fine2024']);
    expect(problems).toEqual([
      { line: 6, message: 'entry "bidi2024": the title contains U+202E (a bidi override); skipped' },
      { line: 11, message: 'entry "bell2024": the abstract contains U+0007 (a control character); skipped' },
    ]);
  });
});
