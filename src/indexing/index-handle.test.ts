/**
 * A running bot's open index follows `npm run index`: the question after a new build is published is answered
 * from it (questions arriving together switch once), and a published build that cannot be opened leaves the
 * previous one answering, said once in the log.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG_FILES } from '../adapters/file-build-catalog.ts';
import { sqliteHnswBackend } from '../adapters/sqlite-hnsw-backend.ts';
import { RecordingLogger } from '../dev/recording-logger.ts';
import { buildIndex } from './build-index.ts';
import { IndexHandle } from './open-index.ts';

const abstract = (topic: string) => `This paper studies ${topic} and reports results on several benchmarks, with careful ablations of every component of the method.`;
const line = (topic: string) => `${JSON.stringify({ title: `On ${topic}`, abstract: abstract(topic) })}\n`;

let tmp: string;
let corpusDir: string;
let handle: IndexHandle | undefined;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'paperbot-handle-'));
  corpusDir = path.join(tmp, 'corpus');
  mkdirSync(corpusDir);
  writeFileSync(path.join(corpusDir, 'a.jsonl'), line('pruning') + line('label noise'));
});
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  rmSync(tmp, { recursive: true, force: true });
});

const backend = () => sqliteHnswBackend(path.join(tmp, 'index'), { m: 8, efConstruction: 50, efSearch: 50 });
const build = () => buildIndex({ corpusDir, embedder: null, backend: backend() });

describe('IndexHandle', () => {
  it('answers from a newly published build at the next question; questions arriving together switch once', async () => {
    const first = await build();
    const logger = new RecordingLogger();
    handle = await IndexHandle.open({ embedder: null, backend: backend(), logger, graceMs: 10 });
    expect((await handle.current()).manifest.buildId).toBe(first.manifest.buildId);

    appendFileSync(path.join(corpusDir, 'a.jsonl'), line('speech recognition'));
    const second = await build();
    const [a, b] = await Promise.all([handle.current(), handle.current()]);
    expect(a.manifest.buildId).toBe(second.manifest.buildId);
    expect(b).toBe(a);
    expect((await a.store.counts()).papers).toBe(3);
    expect(logger.lines.filter((l) => l.message === 'switched to a new index build')).toHaveLength(1);
  });

  it('keeps answering from the build it has when a published one cannot be opened, and says so once', async () => {
    const first = await build();
    const logger = new RecordingLogger();
    handle = await IndexHandle.open({ embedder: null, backend: backend(), logger });
    appendFileSync(path.join(corpusDir, 'a.jsonl'), line('speech recognition'));
    const second = await build();
    writeFileSync(path.join(second.buildDir, CATALOG_FILES.manifest), '{"version": 1, ');
    for (let i = 0; i < 3; i++) expect((await handle.current()).manifest.buildId).toBe(first.manifest.buildId);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.message)).toEqual(['a new index build was published but cannot be opened; still using the previous one']);
  });
});
