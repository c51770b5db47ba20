/**
 * Incremental builds parse only the corpus lines that changed: the others are taken from the previous build,
 * and the result is the same index a build from scratch makes (papers, sources, hashes, problems); when no
 * corpus file changed, the build is up to date without reading a line.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteHnswBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { buildIndex } from './build-index.ts';
import { CATALOG_FILES } from '../adapters/file-build-catalog.ts';

const CORPUS_LINES_FILE = CATALOG_FILES.corpusLines;
const HNSW = { m: 8, efConstruction: 50, efSearch: 50 };
let tmp: string;
let corpusDir: string;

const abstract = (topic: string) => `This paper studies ${topic} and reports results on several benchmarks, with careful ablations of every component of the method.`;
const line = (topic: string, extra: Record<string, unknown> = {}) => JSON.stringify({ title: `On ${topic}`, abstract: abstract(topic), ...extra });

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-lines-'));
  corpusDir = path.join(tmp, 'corpus');
  mkdirSync(corpusDir);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const build = (indexDir: string) => buildIndex({ corpusDir, embedder: null, backend: sqliteHnswBackend(indexDir, HNSW) });

/** Every stored paper without the time it was added (a fresh build adds them all now). */
async function papersOf(buildDir: string) {
  const store = await sqliteHnswBackend(path.dirname(path.dirname(buildDir)), HNSW).papers.open(buildDir);
  try {
    return (await store.allPapers()).map(({ addedAt: _, ...paper }) => paper).sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    await store.close();
  }
}

describe('incremental builds and the corpus lines', () => {
  it('parses only the changed and new lines, and ends with the index a fresh build makes', async () => {
    const topics = ['pruning', 'label noise', 'sharpness', 'recommendation', 'speech separation'];
    writeFileSync(path.join(corpusDir, 'a.jsonl'), `${topics.map((t) => line(t)).join('\n')}\n`);
    const indexDir = path.join(tmp, 'index');
    expect((await build(indexDir)).reusedLines).toBe(0);

    // One title changed, one line removed (the lines after it move up), two papers appended.
    const edited = [line('pruning'), line('label noise', { title: 'Noisy labels, revisited' }), line('recommendation'), line('speech separation'), line('diffusion'), line('graphs')];
    writeFileSync(path.join(corpusDir, 'a.jsonl'), `${edited.join('\n')}\n`);
    const report = await build(indexDir);
    expect(report.stats).toMatchObject({ added: 2, updated: 3, removed: 1 });
    expect(report.reusedLines).toBe(1); // only line 1 is the same text at the same place

    const fresh = await build(path.join(tmp, 'fresh'));
    expect(await papersOf(report.buildDir)).toEqual(await papersOf(fresh.buildDir));
  });

  it('reuses every line of an unchanged file when another file grows, and reports up to date when nothing changed', async () => {
    writeFileSync(path.join(corpusDir, 'big.jsonl'), `${['pruning', 'label noise', 'sharpness'].map((t) => line(t)).join('\n')}\n`);
    writeFileSync(path.join(corpusDir, 'daily.jsonl'), `${line('recommendation')}\n`);
    const indexDir = path.join(tmp, 'index');
    await build(indexDir);
    appendFileSync(path.join(corpusDir, 'daily.jsonl'), `${line('diffusion')}\n`);
    const grown = await build(indexDir);
    expect(grown).toMatchObject({ upToDate: false, reusedLines: 4, stats: { added: 1, updated: 0, removed: 0 } });
    // No file changed: up to date without reading a line.
    const again = await build(indexDir);
    expect(again).toMatchObject({ upToDate: true, reusedLines: 0 });
  });

  it('parses a line with a problem again, so the problem is reported on every build', async () => {
    writeFileSync(path.join(corpusDir, 'a.jsonl'), `${line('pruning', { year: 'soon' })}\n${line('sharpness')}\n`);
    const indexDir = path.join(tmp, 'index');
    const first = await build(indexDir);
    expect(first.problems.map((p) => `${p.file}:${p.line} ${p.kind}`)).toEqual(['a.jsonl:1 invalid-field']);
    const unchanged = await build(indexDir); // no file changed: the saved problems
    expect(unchanged.upToDate).toBe(true);
    expect(unchanged.problems.map((p) => `${p.file}:${p.line} ${p.kind}`)).toEqual(['a.jsonl:1 invalid-field']);
    appendFileSync(path.join(corpusDir, 'a.jsonl'), '\n'); // a changed file, the same papers: read again, line 1 parsed again
    const reread = await build(indexDir);
    expect(reread).toMatchObject({ upToDate: true, reusedLines: 1 });
    expect(reread.problems.map((p) => `${p.file}:${p.line} ${p.kind}`)).toEqual(['a.jsonl:1 invalid-field']);
  });

  it('parses every line again when the saved lines are damaged, and still builds the same index', async () => {
    writeFileSync(path.join(corpusDir, 'a.jsonl'), `${line('pruning')}\n${line('sharpness')}\n`);
    const indexDir = path.join(tmp, 'index');
    const first = await build(indexDir);
    writeFileSync(path.join(first.buildDir, CORPUS_LINES_FILE), '{"version": 1, "lines": ');
    appendFileSync(path.join(corpusDir, 'a.jsonl'), `${line('graphs')}\n`);
    const second = await build(indexDir);
    expect(second).toMatchObject({ reusedLines: 0, stats: { added: 1, updated: 0, removed: 0 } });
    expect(JSON.parse(readFileSync(path.join(second.buildDir, CORPUS_LINES_FILE), 'utf8')).lines).toHaveProperty(['a.jsonl:3']);
  });
});
