import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/core/corpus/load-corpus.ts';
import { startFakeArxiv, type FakeArxiv } from '../../src/dev/fake-arxiv.ts';
import { makeWorkspace, type Workspace } from '../support/workspace.ts';
import { arxivPaper, arxivPapers } from './arxiv-fixtures.ts';

let fake: FakeArxiv;
beforeAll(async () => {
  fake = await startFakeArxiv();
});
afterAll(async () => fake.close());

async function workspace(): Promise<{ ws: Workspace; fetch: (...args: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }> }> {
  const ws = await makeWorkspace({ model: false });
  const env = { ARXIV_RSS_URL: fake.rssUrl, ARXIV_API_URL: fake.apiUrl, ARXIV_MIN_INTERVAL_MS: '0', EMBEDDINGS: 'lexical' };
  return { ws, fetch: (...args) => ws.run('fetch', args, { env }) };
}

/** Runs `test` in a fresh workspace pointed at the fake arXiv, removed after it whatever happens. */
async function withWorkspace(test: (made: Awaited<ReturnType<typeof workspace>>) => Promise<void>): Promise<void> {
  const made = await workspace();
  try {
    await test(made);
  } finally {
    await made.ws.cleanup();
  }
}

const json = (stdout: string): unknown => JSON.parse(stdout);
/** The ids of the papers `npm run ask -- --json` cites for `question` (lexical retrieval, as the fetch built it). */
const citedPapers = async (ws: Workspace, question: string): Promise<string[]> => {
  const asked = await ws.run('ask', ['--json', question], { env: { EMBEDDINGS: 'lexical' } });
  return (json(asked.stdout) as { citations: { paperId: string }[] }).citations.map((c) => c.paperId);
};
const lines = (file: string): Record<string, unknown>[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('npm run fetch -- arxiv', () => {
  it('counts over days: day 1, the same day again, day 2 with a replacement and cross-lists of known papers', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      const seed = lines(path.join(ws.corpusDir, 'seed-papers.jsonl'))[0] as { abstract: string };
      fake.setFeed('2026-12-02', [...arxivPapers(1, 3), arxivPaper(9, { abstract: null })]);
      const day1 = await fetch('arxiv', 'cs.LG', '--json', '--no-index');
      expect(day1.code, day1.stderr).toBe(0);
      expect(json(day1.stdout)).toEqual({ added: 3, updated: 0, unchanged: 0, skipped: 1, requests: 1, problems: ['arXiv:2612.00009 has no abstract in the feed'] });
      const file = path.join(ws.corpusDir, 'arxiv', 'cs.LG', '2026-12.jsonl');
      expect(lines(file).map((l) => [l['arxiv_id'], l['url'], l['announced']])).toEqual([
        ['2612.00001', 'https://arxiv.org/abs/2612.00001', '2026-12-02'],
        ['2612.00002', 'https://arxiv.org/abs/2612.00002', '2026-12-02'],
        ['2612.00003', 'https://arxiv.org/abs/2612.00003', '2026-12-02'],
      ]);

      const asked = fake.requests.length;
      const again = await fetch('arxiv', 'cs.LG', '--json', '--no-index');
      expect(json(again.stdout)).toEqual({ added: 0, updated: 0, unchanged: 0, skipped: 0, requests: 0, problems: [] });
      expect(fake.requests.length).toBe(asked);
      expect((await fetch('arxiv', 'cs.LG', '--no-index')).stdout).toMatch(/^arXiv cs\.LG: already fetched today \(\d{4}-\d{2}-\d{2}\); --force fetches it again; nothing written\.$/m);

      const revised = 'We study method number 1 again, now with a convergence proof for sparse gradients and experiments on seven benchmarks instead of one.';
      fake.setFeed('2026-12-03', [
        arxivPaper(1, { announceType: 'replace', version: 2, abstract: revised }),
        arxivPaper(2, { announceType: 'cross', categories: ['stat.ML', 'cs.LG'] }),
        arxivPaper(50, { announceType: 'cross', abstract: seed.abstract, categories: ['math.OC', 'cs.LG'] }),
        arxivPaper(4),
      ]);
      const day2 = await fetch('arxiv', 'cs.LG', '--json', '--no-index', '--force');
      expect(json(day2.stdout)).toEqual({ added: 1, updated: 1, unchanged: 2, skipped: 0, requests: 1, problems: [] });
      const after = lines(file);
      expect(after.map((l) => l['arxiv_id'])).toEqual(['2612.00001', '2612.00002', '2612.00003', '2612.00004']);
      expect(after[0]).toMatchObject({ abstract: revised, announced: '2026-12-02' });

      const corpus = await loadCorpus(ws.corpusDir);
      expect(corpus.problems).toEqual([]);
      expect(corpus.papers.filter((p) => p.source.startsWith('arxiv/')).map((p) => [p.id, p.source])).toEqual([
        ['arxiv:2612.00001', 'arxiv/cs.LG/2026-12.jsonl:1'],
        ['arxiv:2612.00002', 'arxiv/cs.LG/2026-12.jsonl:2'],
        ['arxiv:2612.00003', 'arxiv/cs.LG/2026-12.jsonl:3'],
        ['arxiv:2612.00004', 'arxiv/cs.LG/2026-12.jsonl:4'],
      ]);
    });
  });

  it('updates the index incrementally after writing, so the new papers are searchable', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      fake.setFeed('2026-12-02', [arxivPaper(1, { title: 'Quasiperiodic zebra tokenizers', abstract: 'We introduce quasiperiodic zebra tokenizers, a tokenization scheme that alternates stripes of characters and bytes, and evaluate it on translation.' })]);
      const result = await fetch('arxiv', 'cs.LG');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^arXiv cs\.LG: 1 added, 0 updated, 0 unchanged, 0 skipped \(1 request\)\.$/m);
      expect(result.stdout).toMatch(/^Indexed 12 papers/m);
      expect(await citedPapers(ws, 'What are quasiperiodic zebra tokenizers?')).toContain('arxiv:2612.00001');
    });
  });

  it('re-indexes a replaced paper in place: its new text is searchable, under the same id', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      fake.setFeed('2026-12-02', [arxivPaper(1)]);
      expect((await fetch('arxiv', 'cs.LG')).code).toBe(0);
      const revised = 'We revisit method number 1 and add holographic gradient checkpoints, which store sparse gradients as interference patterns on eleven benchmarks.';
      fake.setFeed('2026-12-03', [arxivPaper(1, { announceType: 'replace', version: 2, abstract: revised })]);
      const day2 = await fetch('arxiv', 'cs.LG', '--force');
      expect(day2.stdout).toMatch(/^arXiv cs\.LG: 0 added, 1 updated, 0 unchanged, 0 skipped \(1 request\)\.$/m);
      expect(day2.stdout).toMatch(/0 added, 1 updated, 0 removed/);
      expect(await citedPapers(ws, 'What are holographic gradient checkpoints?')).toContain('arxiv:2612.00001');
    });
  });

  it('says "no announcements today" on the weekend feed, exits 0 and writes nothing', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      fake.setFeed('2026-12-05', []);
      const result = await fetch('arxiv', 'cs.LG', 'stat.ML');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^arXiv cs\.LG stat\.ML: no announcements today \(arXiv announces nothing on Saturday, Sunday and holidays\); nothing written\.$/m);
      expect(existsSync(path.join(ws.corpusDir, 'arxiv'))).toBe(false);
    });
  });

  it('refuses a malformed feed in one sentence and writes nothing; /about-style status keeps the failure', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      fake.script({ malformed: true });
      const result = await fetch('arxiv', 'cs.LG');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^arXiv's RSS feed is not valid XML \(line \d+: .+\); nothing was written\.$/m);
      expect(existsSync(path.join(ws.corpusDir, 'arxiv'))).toBe(false);
      const log = JSON.parse(readFileSync(path.join(ws.dataDir, 'arxiv-fetches.json'), 'utf8')) as { lastFailure: { message: string } };
      expect(log.lastFailure.message).toMatch(/^arXiv's RSS feed is not valid XML/);
    });
  });

  it('backfills with --since through the API, page by page, into the month files', async () => {
    await withWorkspace(async ({ ws, fetch }) => {
      fake.setApiPapers([...arxivPapers(100, 250, { published: '2026-11-20' }), ...arxivPapers(900, 3, { published: '2026-10-01' })]);
      const result = await fetch('arxiv', 'cs.LG', '--since', '2026-11-01', '--json', '--no-index');
      expect(json(result.stdout)).toMatchObject({ added: 250, requests: 2 });
      const written = lines(path.join(ws.corpusDir, 'arxiv', 'cs.LG', '2026-11.jsonl'));
      expect(written).toHaveLength(250);
      // The API says which category a paper was filed under (the RSS feed does not): kept for /cite's primaryClass.
      expect(written[0]).toMatchObject({ primary_category: 'cs.LG', categories: ['cs.LG'] });
    });
  });

  it('names a bad category or date', async () => {
    await withWorkspace(async ({ fetch }) => {
      expect((await fetch('arxiv', 'CS LG')).stderr).toMatch(/^"CS LG" is not an arXiv category \(expected names like cs\.LG or stat\.ML\)\.$/m);
      expect((await fetch('arxiv', 'cs.LG', '--since', '2026-13-01')).stderr).toMatch(/^--since must be a day as YYYY-MM-DD, got "2026-13-01"\.$/m);
      expect((await fetch('arxiv')).stderr).toMatch(/^Name the arXiv categories to fetch/m);
    });
  });
});
