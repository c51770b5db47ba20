/**
 * `npm run import` end to end, in process: a Zotero-style export with every quirk becomes a corpus file and
 * enters the index; a re-import of the edited library updates, adds and removes; what cannot be imported is
 * reported by key and line.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeArxiv } from '../../src/dev/fake-arxiv.ts';
import { useWorkspace } from '../support/workspace.ts';

const abstract = (topic: string) =>
  `We propose a method for ${topic} that learns from few labelled examples, analyse its convergence, and report consistent gains over strong baselines on standard benchmarks.`;

const entry = (key: string, title: string, topic: string, extra = '') =>
  `@article{${key},\n  title = {${title}},\n  author = {Roe, Richard and Poe, Edgar},\n  journal = {Journal of Testing},\n  year = {2024},${extra}\n  abstract = {${abstract(topic)}}\n}\n`;

const LIBRARY = [
  '@string{neurips = "Advances in Neural Information Processing Systems"}',
  '',
  String.raw`@inproceedings{mullerFastUberSearch2023,
  title = {{{FaMUS}}: {Fast} Multi-Scale {\"U}ber-Search with $\alpha$-Divergences},
  booktitle = neurips,
  author = {M{\"u}ller, J{\"o}rg and van der Berg, Anna},
  year = {2023},
  month = dec,
  eprint = {2309.15639v2},
  archiveprefix = {arXiv},
  doi = {10.48550/arXiv.2309.15639},
  abstract = {We study \emph{{\"u}ber-search} over multi-scale divergences and show that an $\alpha$-family of objectives speeds up retrieval of long documents by an order of magnitude.}
}
`,
  entry('keepMe2024', 'Graph Kernels for Molecules', 'graph kernels on molecules'),
  '@article{noAbstract2021,\n  title = {An Entry Exported Without Its Abstract},\n  author = {Doe, Jane},\n  year = {2021}\n}\n',
  '@article{broken2022,\n  title = {A Title That Never Closes\n  author = {Broke, Ben},\n\n',
  entry('changeMe2024', 'Tabular Transformers', 'tabular transformers'),
  entry('keepMe2024', 'A Second Entry With The Same Key', 'duplicates'),
].join('\n');

interface ImportJson {
  imported: number;
  updated: number;
  removed: number;
  unchanged: number;
  withoutAbstract: string[];
  problems: { line: number; message: string }[];
}

describe('npm run import', () => {
  const workspace = useWorkspace();

  it('imports a Zotero export, lists what it left out by key and line, and indexes the papers; a re-import updates, adds and removes', async () => {
    const ws = workspace();
    const bib = path.join(ws.dir, 'library.bib');
    const into = path.join(ws.corpusDir, 'library.jsonl');
    await writeFile(bib, LIBRARY);

    const first = await ws.run('import', [bib, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as ImportJson;
    expect(report).toMatchObject({ imported: 3, updated: 0, removed: 0, unchanged: 0, withoutAbstract: ['noAbstract2021'] });
    const lineOf = (needle: string) => LIBRARY.slice(0, LIBRARY.indexOf(needle)).split('\n').length;
    expect(report.problems.map((p) => p.line)).toEqual([lineOf('@article{broken2022'), lineOf('@article{keepMe2024,\n  title = {A Second')]);
    expect(report.problems[0]?.message).toMatch(/^broken entry @article\{broken2022: .*; skipped$/);
    expect(report.problems[1]?.message).toBe(`duplicate citation key "keepMe2024" (first at line ${lineOf('@article{keepMe2024')}); skipped`);
    expect(first.stderr).toContain('Indexed 14 papers');

    const written = (await readFile(into, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written.map((r) => r['bibtex_key'])).toEqual(['mullerFastUberSearch2023', 'keepMe2024', 'changeMe2024']);
    expect(written[0]).toEqual({
      bibtex_key: 'mullerFastUberSearch2023',
      title: 'FaMUS: Fast Multi-Scale Über-Search with α-Divergences',
      authors: ['Jörg Müller', 'Anna van der Berg'],
      year: 2023,
      venue: 'Advances in Neural Information Processing Systems',
      arxiv_id: '2309.15639',
      doi: '10.48550/arxiv.2309.15639',
      abstract: 'We study über-search over multi-scale divergences and show that an α-family of objectives speeds up retrieval of long documents by an order of magnitude.',
    });

    const found = await ws.run('ask', ['--json', 'Which paper speeds up retrieval of long documents with über-search over divergences?']);
    expect(found.code, found.stderr).toBe(0);
    expect((JSON.parse(found.stdout) as { citations: { source: string }[] }).citations[0]?.source).toBe('library.jsonl:1');

    // The library changes: one title edited, one entry deleted (with its duplicate), one added.
    const edited = LIBRARY.replace('Tabular Transformers', 'Tabular Transformers, Revisited').replace(/@article\{keepMe2024,[\s\S]*?\n\}\n/g, '') + entry('newOne2025', 'Sparse Autoencoders', 'sparse autoencoders');
    await writeFile(bib, edited);
    const second = await ws.run('import', [bib, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 1, updated: 1, removed: 1, unchanged: 1 });
    expect(second.stderr).toMatch(/Indexed 14 papers, \d+ passages: 1 added, 1 updated, 1 removed/);
    const keys = (await readFile(into, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { bibtex_key: string }).bibtex_key);
    expect(keys).toEqual(['mullerFastUberSearch2023', 'changeMe2024', 'newOne2025']);

    // The same library once more: nothing to do, and the corpus file is not rewritten.
    const before = (await stat(into)).mtimeMs;
    const third = await ws.run('import', [bib]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('library.bib → ');
    expect(third.stdout).toContain('0 imported, 0 updated, 0 removed, 3 unchanged.');
    expect(third.stdout).toMatch(/1 without an abstract, left out: noAbstract2021 \(line \d+\)\./);
    expect(third.stdout).toContain('Index is up to date');
    expect((await stat(into)).mtimeMs).toBe(before);
  }, 60_000);

  it('never overwrites a corpus file that an import did not write, nor writes outside the corpus folder', async () => {
    const ws = workspace();
    const bib = path.join(ws.dir, 'small.bib');
    await writeFile(bib, entry('one2024', 'One', 'one thing'));
    const seed = path.join(ws.corpusDir, 'seed-papers.jsonl');
    const seedBefore = await readFile(seed, 'utf8');

    const overwrite = await ws.run('import', [bib, '--into', seed, '--no-index']);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr).toContain(`${seed}:1 is not a line an import wrote (no "bibtex_key"): that file is not overwritten; choose another --into.`);
    expect(await readFile(seed, 'utf8')).toBe(seedBefore);

    const outside = await ws.run('import', [bib, '--into', path.join(ws.dir, 'elsewhere.jsonl'), '--no-index']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('must be a .jsonl file inside the corpus folder');

    const missing = await ws.run('import', [path.join(ws.dir, 'absent.bib'), '--no-index']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot read the BibTeX file .*absent\.bib \(ENOENT/);
  });

  it('--fetch-missing gets the missing abstracts from the arXiv API by the entries’ arXiv ids, and keeps them on the next import', async () => {
    const ws = workspace();
    const arxiv = await startFakeArxiv();
    try {
      const env = { ARXIV_API_URL: arxiv.apiUrl, ARXIV_MIN_INTERVAL_MS: '0' };
      const fetchedAbstract = abstract('contrastive pretraining for satellite images');
      arxiv.setApiPapers([{ id: '2401.01234', version: 3, title: 'Contrastive Pretraining for Satellite Images', abstract: fetchedAbstract, authors: ['Ada Lovelace'], categories: ['cs.CV'], published: '2024-01-03' }]);
      const bib = path.join(ws.dir, 'missing.bib');
      await writeFile(
        bib,
        [
          '@misc{satellite2024, title = {Contrastive Pretraining for {Satellite} Images}, author = {Lovelace, Ada}, year = {2024}, eprint = {2401.01234v2}, archivePrefix = {arXiv}}',
          '@misc{unknown2024, title = {Not On arXiv}, year = {2024}, eprint = {2401.09999}, archivePrefix = {arXiv}}',
          '@misc{noId2024, title = {No Id At All}, year = {2024}}',
        ].join('\n'),
      );
      const result = await ws.run('import', [bib, '--fetch-missing', '--json', '--no-index'], { env });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as ImportJson & { fetched: number };
      expect(report).toMatchObject({ imported: 1, fetched: 1, withoutAbstract: ['unknown2024', 'noId2024'] });
      expect(report.problems).toEqual([{ line: 0, message: 'arXiv: arXiv does not know arXiv:2401.09999' }]);
      // One request for both ids, by id, without versions.
      expect(arxiv.requests.map((r) => r.query.get('id_list'))).toEqual(['2401.01234,2401.09999']);
      const [line] = (await readFile(path.join(ws.corpusDir, 'missing.jsonl'), 'utf8')).trim().split('\n');
      // The library's own fields, the abstract from arXiv.
      expect(JSON.parse(line ?? '')).toEqual({ bibtex_key: 'satellite2024', title: 'Contrastive Pretraining for Satellite Images', authors: ['Ada Lovelace'], year: 2024, arxiv_id: '2401.01234', abstract: fetchedAbstract });

      // Imported again without --fetch-missing: the paper stays, arXiv is not asked.
      const again = await ws.run('import', [bib, '--json', '--no-index'], { env });
      expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, updated: 0, removed: 0, unchanged: 1 });
      expect(arxiv.requests).toHaveLength(1);

      // arXiv down: the library is still imported, and the reason is said.
      arxiv.script({ status: 400, body: 'bad' });
      const down = await ws.run('import', [bib, '--fetch-missing', '--json', '--no-index'], { env });
      expect(down.code, down.stderr).toBe(0);
      expect((JSON.parse(down.stdout) as ImportJson).problems[0]?.message).toMatch(/^arXiv: .*The entries without an abstract were left out\.$/);
    } finally {
      await arxiv.close();
    }
  });
});
