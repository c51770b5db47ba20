/**
 * Issue 11 §1: a damaged index build is explained in one sentence by the commands that read it, and
 * `npm run index` repairs it from the corpus, saying so, instead of calling it up to date. Each case damages
 * one file of the current build the way a disk or a careless hand does (overwritten, cut short, emptied),
 * then runs the real commands in this process on the shipped corpus with the generated test model.
 */
import { appendFileSync, closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { saidOnStderr } from '../support/script-process.ts';
import { useWorkspace, type RunResult } from '../support/workspace.ts';

const FAMUS = 'What does FaMUS approximate to save training time?';

/** The folder of the current build. */
function currentBuild(dataDir: string): string {
  const index = path.join(dataDir, 'index');
  return path.join(index, 'builds', readFileSync(path.join(index, 'CURRENT'), 'utf8').trim());
}

/** What a person reads on stderr, without the JSON log lines. */
function said(result: RunResult): string[] {
  return saidOnStderr(result.stderr);
}

/** When each paper entered the index, as the current build's store records it. */
function addedAt(dataDir: string): Record<string, string> {
  const db = new Database(path.join(currentBuild(dataDir), 'papers.sqlite'), { readonly: true });
  try {
    return Object.fromEntries(db.prepare('SELECT id, added_at FROM papers').raw().all() as [string, string][]);
  } finally {
    db.close();
  }
}

/** Two pages of the store's b-trees overwritten in place: header, size and row counts stay as they were. */
function damageInside(store: string): void {
  const fd = openSync(store, 'r+');
  for (const page of [5, statSync(store).size / 4096 - 1]) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, page * 4096);
  closeSync(fd);
}

const noise = (bytes: number): Buffer => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 7919 + 13) % 251));

const DAMAGE: { name: string; file: string; damage: (file: string) => void; said: RegExp }[] = [
  { name: 'vectors.hnsw overwritten', file: 'vectors.hnsw', damage: (f) => writeFileSync(f, noise(statSync(f).size)), said: /vectors .*vectors\.hnsw is not an HNSW index/ },
  { name: 'vectors.hnsw cut short', file: 'vectors.hnsw', damage: (f) => truncateSync(f, Math.floor(statSync(f).size / 2)), said: /vectors .*vectors\.hnsw has \d+ bytes, fewer than the \d+ its 11 vectors need: it was cut short/ },
  { name: 'papers.sqlite overwritten', file: 'papers.sqlite', damage: (f) => writeFileSync(f, noise(statSync(f).size)), said: /store .*papers\.sqlite is not a SQLite database/ },
  { name: 'papers.sqlite cut short', file: 'papers.sqlite', damage: (f) => truncateSync(f, Math.floor(statSync(f).size / 2)), said: /store .*papers\.sqlite has \d+ bytes where its header says \d+: it was cut short or overwritten/ },
  { name: 'papers.sqlite emptied', file: 'papers.sqlite', damage: (f) => writeFileSync(f, ''), said: /store .*papers\.sqlite is not a SQLite database/ },
  { name: 'manifest.json {}', file: 'manifest.json', damage: (f) => writeFileSync(f, '{}'), said: /manifest .*manifest\.json has version none/ },
  { name: 'manifest.json not JSON', file: 'manifest.json', damage: (f) => writeFileSync(f, '{"version": 1, '), said: /manifest .*manifest\.json is not JSON/ },
];

describe('a damaged index build', () => {
  const workspace = useWorkspace();

  beforeEach(async () => {
    const built = await workspace().run('index');
    expect(built.code, built.stderr).toBe(0);
  }, 60_000);

  for (const { name, file, damage, said: sentence } of DAMAGE) {
    it(`${name}: ask and chat explain it in one sentence (exit 1), npm run index rebuilds it and says so`, async () => {
      const ws = workspace();
      damage(path.join(currentBuild(ws.dataDir), file));

      for (const result of [await ws.run('ask', [FAMUS]), await ws.run('chat', [], { stdin: `${FAMUS}\n` })]) {
        expect(result.code, result.stderr).toBe(1);
        expect(said(result)).toHaveLength(1);
        expect(said(result)[0]).toMatch(sentence);
        expect(said(result)[0]).toMatch(/: run `npm run index` to rebuild the index\.$/);
      }

      const repaired = await ws.run('index');
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(repaired.stdout).not.toContain('up to date');
      const repair = repaired.stdout.split('\n').find((line) => line.includes('was broken')) ?? '';
      expect(repair).toMatch(/^The index in .*data\/index was broken \(its .*\): rebuilt from the corpus\.$/);
      expect(repair).toMatch(sentence);
      expect(repaired.stdout).toContain('embedded 11 papers');

      const asked = await ws.run('ask', ['--json', FAMUS]);
      expect(asked.code, asked.stderr).toBe(0);
      expect((JSON.parse(asked.stdout) as { citations: { source: string }[] }).citations[0]?.source).toMatch(/:7$/);
      expect((await ws.run('index')).stdout).toContain('Index is up to date');
    }, 60_000);
  }

  it('reuses the intact store when only the vectors are damaged: no paper added again, every passage embedded again', async () => {
    const ws = workspace();
    const before = (await ws.run('ask', ['--json', FAMUS])).stdout;
    writeFileSync(path.join(currentBuild(ws.dataDir), 'vectors.hnsw'), 'garbage');
    const repaired = await ws.run('index');
    expect(repaired.stdout).toMatch(/vectors\.hnsw has 7 bytes, too few for an HNSW index\): rebuilt from the corpus\./);
    expect(repaired.stdout).toMatch(/0 added, 0 updated, 0 removed; embedded 11 papers/);
    expect((await ws.run('ask', ['--json', FAMUS])).stdout).toBe(before);
  }, 60_000);

  it('npm run index -- --rebuild rebuilds a sound index from scratch', async () => {
    const ws = workspace();
    const help = await ws.run('index', ['--help']);
    expect(help.stdout).toMatch(/--rebuild\s+rebuild from scratch/);
    const addedBefore = addedAt(ws.dataDir);
    const rebuilt = await ws.run('index', ['--rebuild']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/Indexed 11 papers, 11 passages: 11 added, 0 updated, 0 removed; embedded 11 papers/);
    expect(rebuilt.stdout).not.toContain('was broken');
    // The digests call a paper new by when it entered the index: a rebuild must not make every paper new.
    expect(addedAt(ws.dataDir)).toEqual(addedBefore);
  }, 60_000);
});

describe('damage inside papers.sqlite that the cheap check cannot see', () => {
  const workspace = useWorkspace();

  it('is found when the next build reads the store (a thorough check then names it), and the build starts over from the corpus', async () => {
    const ws = workspace();
    expect((await ws.run('index')).code).toBe(0);
    damageInside(path.join(currentBuild(ws.dataDir), 'papers.sqlite'));
    appendFileSync(path.join(ws.corpusDir, 'seed-papers.jsonl'), `${JSON.stringify({ title: 'A twelfth paper', abstract: 'Sparse attention heads prune themselves during long training runs of transformers, which saves memory and time at no cost in accuracy.' })}\n`);

    const repaired = await ws.run('index');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/^The index in .*data\/index was broken \(its store .*papers\.sqlite (fails SQLite's quick_check \(.+\)|cannot be read \(database disk image is malformed\))\): rebuilt from the corpus\.$/m);
    expect(repaired.stdout).toMatch(/Indexed 12 papers, 12 passages: 12 added, 0 updated, 0 removed; embedded 12 papers/);
    const asked = await ws.run('ask', ['--json', FAMUS]);
    expect(asked.code, asked.stderr).toBe(0);
  }, 60_000);
});

describe('damage inside papers.sqlite met by a question', () => {
  const workspace = useWorkspace();

  it('is one sentence for the asker, and the next npm run index rebuilds the build even with nothing changed in the corpus', async () => {
    const ws = workspace();
    expect((await ws.run('index')).code).toBe(0);
    damageInside(path.join(currentBuild(ws.dataDir), 'papers.sqlite'));

    const asked = await ws.run('ask', [FAMUS]);
    expect(asked.code, asked.stderr).toBe(1);
    expect(said(asked)).toEqual([expect.stringMatching(/^The index store papers\.sqlite is damaged \(.+\): run `npm run index` to rebuild the index\.$/)]);

    const repaired = await ws.run('index');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).not.toMatch(/up to date/i);
    expect(repaired.stdout).toMatch(/^The index in .*data\/index was broken \(its store .*papers\.sqlite .+\): rebuilt from the corpus\.$/m);
    const again = await ws.run('ask', ['--json', FAMUS]);
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);
});
