/**
 * Loading a corpus folder: which files count, name order, duplicates across lines and files, strict mode
 * (every problem listed with file:line), and a clear error for a missing or empty folder.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { loadCorpus } from './load-corpus.ts';
import { ABSTRACT_A, ABSTRACT_B, ABSTRACT_C } from './sample-abstracts.fixture.ts';


let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-corpus-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text, 'utf8');
}

async function userError(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('loadCorpus', () => {
  it('loads every .txt and .jsonl file in name order, with sources relative to the folder', async () => {
    await put('b.jsonl', `${JSON.stringify({ title: 'AdvGAN paper', abstract: ABSTRACT_C })}\n`);
    await put('a.txt', `${ABSTRACT_A}\n\n${ABSTRACT_B}\n`);
    const corpus = await loadCorpus(dir);
    expect(corpus.files).toEqual(['a.txt', 'b.jsonl']);
    expect(corpus.problems).toEqual([]);
    expect(corpus.papers.map((p) => p.source)).toEqual(['a.txt:1', 'a.txt:3', 'b.jsonl:1']);
  });

  it('ignores files that are not corpus files, and hidden files', async () => {
    await put('a.txt', ABSTRACT_A);
    await put('README.md', `${ABSTRACT_B}\n`);
    await put('notes.csv', `${ABSTRACT_C}\n`);
    await put('.draft.txt', `${ABSTRACT_C}\n`);
    const corpus = await loadCorpus(dir);
    expect(corpus.files).toEqual(['a.txt']);
    expect(corpus.papers.map((p) => p.source)).toEqual(['a.txt:1']);
  });

  // The loader reads subfolders too (see load-corpus.ts), so a corpus can be organised by topic or venue.
  it('reads corpus files in subfolders, naming them by their path inside the corpus folder', async () => {
    await put('a.txt', ABSTRACT_A);
    await put('venues/cvpr/2021.jsonl', JSON.stringify({ abstract: ABSTRACT_B }));
    await put('venues/README.md', ABSTRACT_C);
    const corpus = await loadCorpus(dir);
    expect(corpus.files).toEqual(['a.txt', 'venues/cvpr/2021.jsonl']);
    expect(corpus.papers.map((p) => p.source)).toEqual(['a.txt:1', 'venues/cvpr/2021.jsonl:1']);
  });

  it('reads a corpus file linked in from elsewhere, and reports a broken link instead of crashing', async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'paperbot-elsewhere-'));
    try {
      await writeFile(path.join(elsewhere, 'arxiv.jsonl'), JSON.stringify({ abstract: ABSTRACT_B }), 'utf8');
      await symlink(path.join(elsewhere, 'arxiv.jsonl'), path.join(dir, 'arxiv.jsonl'));
      await symlink(path.join(elsewhere, 'gone.txt'), path.join(dir, 'gone.txt'));
      const corpus = await loadCorpus(dir);
      expect(corpus.papers.map((p) => p.source)).toEqual(['arxiv.jsonl:1']);
      expect(corpus.problems).toHaveLength(1);
      expect(corpus.problems[0]).toMatchObject({ file: 'gone.txt', line: 0, kind: 'unreadable' });
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('reports a paper with the same id as an earlier one, at its own line, naming the first', async () => {
    await put('p.jsonl', [{ id: 'famus', abstract: ABSTRACT_B }, { abstract: ABSTRACT_A }, { id: 'famus', abstract: ABSTRACT_C }].map((r) => JSON.stringify(r)).join('\n'));
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => p.source)).toEqual(['p.jsonl:1', 'p.jsonl:2']);
    expect(corpus.problems).toHaveLength(1);
    expect(corpus.problems[0]).toMatchObject({ file: 'p.jsonl', line: 3, kind: 'duplicate' });
    expect(corpus.problems[0]?.message).toContain('famus');
    expect(corpus.problems[0]?.message).toContain('p.jsonl:1');
  });

  it('reports the same abstract in another file, written with other whitespace and case, as a duplicate', async () => {
    await put('a.jsonl', JSON.stringify({ title: 'VaSSO', abstract: ABSTRACT_A }));
    const shouted = ABSTRACT_A.toUpperCase().replace(/ /g, '   ');
    await put('b.txt', `${ABSTRACT_B}\n\n${shouted}\n`);
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => p.source)).toEqual(['a.jsonl:1', 'b.txt:1']);
    expect(corpus.problems).toHaveLength(1);
    expect(corpus.problems[0]).toMatchObject({ file: 'b.txt', line: 3, kind: 'duplicate' });
    expect(corpus.problems[0]?.message).toContain('a.jsonl:1');
  });

  it('skips bad lines and reports each with its file and line when not strict', async () => {
    await put('a.txt', `${ABSTRACT_A}\ntoo short\n`);
    await put('b.jsonl', `{broken\n${JSON.stringify({ abstract: ABSTRACT_B, year: 'soon' })}\n${JSON.stringify({ title: 'no abstract' })}\n`);
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => p.source)).toEqual(['a.txt:1', 'b.jsonl:2']);
    expect(corpus.problems.map((p) => `${p.file}:${p.line} ${p.kind}`)).toEqual([
      'a.txt:2 too-short',
      'b.jsonl:1 invalid-json',
      'b.jsonl:2 invalid-field',
      'b.jsonl:3 missing-abstract',
    ]);
  });

  it('in strict mode, stops with a UserError that lists every problem with file:line', async () => {
    await put('a.txt', `${ABSTRACT_A}\ntoo short\n${ABSTRACT_A}\n`);
    await put('b.jsonl', `[1, 2]\n${JSON.stringify({ abstract: ABSTRACT_B, url: 'nope' })}\n`);
    const error = await userError(loadCorpus(dir, { strict: true }));
    expect(error.code).toBe('E_CORPUS_INVALID');
    expect(error.message).toMatch(/4 problems/);
    for (const location of ['a.txt:2', 'a.txt:3', 'b.jsonl:1', 'b.jsonl:2']) expect(error.message).toContain(`- ${location}: `);
  });

  it('in strict mode, loads a clean corpus normally', async () => {
    await put('a.txt', `${ABSTRACT_A}\n${ABSTRACT_B}\n`);
    const corpus = await loadCorpus(dir, { strict: true });
    expect(corpus.papers).toHaveLength(2);
    expect(corpus.problems).toEqual([]);
  });

  it('handles a byte order mark and CRLF line endings in files on disk', async () => {
    await put('win.txt', `\uFEFF${ABSTRACT_A}\r\n${ABSTRACT_B}\r\n`);
    await put('win.jsonl', `\uFEFF${JSON.stringify({ abstract: ABSTRACT_C })}\r\n`);
    const corpus = await loadCorpus(dir, { strict: true });
    expect(corpus.papers.map((p) => p.source)).toEqual(['win.jsonl:1', 'win.txt:1', 'win.txt:2']);
    expect(corpus.papers.every((p) => !p.abstract.includes('\r') && !p.abstract.includes('\uFEFF'))).toBe(true);
  });

  it('says which folder is missing and how to fix it', async () => {
    const missing = path.join(dir, 'no-such-folder');
    const error = await userError(loadCorpus(missing));
    expect(error.code).toBe('E_CORPUS_MISSING');
    expect(error.message).toContain(missing);
    expect(error.message).toContain('CORPUS_DIR');
  });

  it('says so when the folder holds no corpus file', async () => {
    const empty = await userError(loadCorpus(dir));
    expect(empty.code).toBe('E_CORPUS_EMPTY');
    expect(empty.message).toContain(dir);

    await put('README.md', ABSTRACT_A);
    expect((await userError(loadCorpus(dir))).code).toBe('E_CORPUS_EMPTY');
  });
});
