import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/core/corpus/load-corpus.ts';
import { mergeIntoCorpus, type MergeOptions } from '../../src/sources/merge-into-corpus.ts';
import type { SourceItem } from '../../src/sources/paper-source.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-merge-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const abstract = (n: number): string => `Abstract number ${n}: we propose a method for learning sparse representations and show that it improves accuracy on standard benchmarks.`;
const item = (n: number, kind: SourceItem['kind'] = 'new', overrides: Partial<SourceItem['record']> = {}): SourceItem => ({
  kind,
  shelf: 'cs.LG',
  record: { title: `Paper ${n}`, authors: [], year: 2026, venue: null, url: `https://arxiv.org/abs/2612.0000${n}`, arxiv_id: `2612.0000${n}`, doi: null, categories: ['cs.LG'], announced: '2026-12-02', abstract: abstract(n), ...overrides },
});
const merge = (items: SourceItem[], extra: Partial<MergeOptions> = {}) =>
  mergeIntoCorpus({ corpusDir: dir, items, fileFor: () => 'arxiv/cs.LG/2026-12.jsonl', owns: (file) => file.startsWith('arxiv/'), ...extra });

describe('merging fetched papers into the corpus', () => {
  it('matches the whole corpus by arXiv id (any version) and DOI, and leaves papers of other files alone', async () => {
    await writeFile(
      path.join(dir, 'library.jsonl'),
      `${JSON.stringify({ title: 'Mine', arxiv_id: '2612.00001v1', abstract: abstract(1) })}\n${JSON.stringify({ title: 'By DOI', doi: '10.1/X', abstract: abstract(8) })}\n`,
    );
    const report = await merge([item(1, 'replace', { abstract: `${abstract(1)} Revised.` }), item(2, 'new', { doi: '10.1/x', abstract: abstract(9) }), item(3)]);
    expect(report).toMatchObject({ added: 1, updated: 0, unchanged: 2, addedIds: ['2612.00003'] });
    expect(await readFile(path.join(dir, 'library.jsonl'), 'utf8')).not.toContain('Revised');
  });

  it('adds a replacement of a paper the corpus does not have, and updates one it has in its own files', async () => {
    expect(await merge([item(5, 'replace')])).toMatchObject({ added: 1, updated: 0 });
    expect(await merge([item(5, 'replace', { title: 'Paper 5, revised' })])).toMatchObject({ added: 0, updated: 1, updatedIds: ['2612.00005'] });
    const corpus = await loadCorpus(dir);
    expect(corpus.papers.map((p) => [p.id, p.title])).toEqual([['arxiv:2612.00005', 'Paper 5, revised']]);
  });

  it('writes atomically: until the rename, the corpus file is the old one and reads cleanly; a kill leaves no half line', async () => {
    await merge([item(1)]);
    const file = path.join(dir, 'arxiv', 'cs.LG', '2026-12.jsonl');
    const before = await readFile(file, 'utf8');
    const seen: string[] = [];
    const killed = merge([item(2), item(3)], {
      beforeRename: async () => {
        seen.push(await readFile(file, 'utf8'));
        const corpus = await loadCorpus(dir);
        expect(corpus.problems).toEqual([]);
        expect(corpus.papers).toHaveLength(1);
        throw new Error('killed');
      },
    });
    await expect(killed).rejects.toThrow('killed');
    expect(seen).toEqual([before]);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('skips an abstract too short for the corpus, saying which', async () => {
    const report = await merge([item(1, 'new', { abstract: 'Too short.' })]);
    expect(report).toMatchObject({ added: 0, skipped: 1, problems: ['arXiv:2612.00001: its abstract is shorter than 100 characters; not added'] });
  });
});
