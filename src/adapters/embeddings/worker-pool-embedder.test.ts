import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../core/retrieval/embedder.ts';
import { syntheticAbstracts } from '../../dev/synthetic-corpus.ts';
import { makeModel } from '../../dev/test-model.ts';
import { createTransformersEmbedder } from './transformers-embedder.ts';
import type { EmbedRequest, EmbedWorkerData } from './embed-worker.ts';
import { createWorkerPoolEmbedder, startEmbedWorker } from './worker-pool-embedder.ts';

/** Counts what reached the in-process embedder; its dispose is counted, not passed on (the base is shared). */
function recording(base: Embedder): Embedder & { passageCalls: number; queryCalls: number; disposed: number } {
  const wrapper = {
    info: base.info,
    passageCalls: 0,
    queryCalls: 0,
    disposed: 0,
    embedPassages: (texts: readonly string[]) => {
      wrapper.passageCalls += 1;
      return base.embedPassages(texts);
    },
    embedQuery: (text: string) => {
      wrapper.queryCalls += 1;
      return base.embedQuery(text);
    },
    dispose: async () => {
      wrapper.disposed += 1;
    },
  };
  return wrapper;
}

/** Starts real workers and records every batch they are sent; `onSend` runs as each one goes out. */
function watchedWorkers(onSend: (sent: number) => void = () => undefined) {
  const batches: string[][] = [];
  const startWorker = (data: EmbedWorkerData): Worker => {
    const worker = startEmbedWorker(data);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: EmbedRequest) => {
      if (message.type === 'embed') {
        batches.push(message.texts);
        onSend(batches.length);
      }
      post(message);
    };
    return worker;
  };
  return { batches, startWorker };
}

describe('worker pool embedder', () => {
  let dir: string;
  let modelDir: string;
  let base: Embedder;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-pool-'));
    modelDir = await makeModel(path.join(dir, 'model'));
    base = await createTransformersEmbedder({ model: 'test', modelDir, dtype: 'q8', cacheDir: path.join(dir, 'cache'), allowRemote: false, loadTimeoutMs: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await base.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same vectors, in the same order, as the in-process embedder', async () => {
    const texts = syntheticAbstracts(40, { seed: 7 }).map((t, i) => (i % 3 === 0 ? t.slice(0, 120) : t));
    const spy = recording(base);
    const pool = createWorkerPoolEmbedder({ base: spy, model: { source: modelDir, cacheDir: path.join(dir, 'cache'), dtype: 'q8' }, workers: 2, batchSize: 3 });
    const pooled = await pool.embedPassages(texts);
    expect(spy.passageCalls).toBe(0);
    const direct = await base.embedPassages(texts);
    expect(pooled).toHaveLength(texts.length);
    pooled.forEach((vector, i) => {
      expect(vector).toHaveLength(base.info.dims);
      vector.forEach((x, d) => expect(x).toBeCloseTo(direct[i]?.[d] ?? NaN, 5));
    });
    await pool.dispose();
  }, 60_000);

  it('leaves queries and small batches to the in-process embedder and starts no worker for them', async () => {
    const spy = recording(base);
    const pool = createWorkerPoolEmbedder({ base: spy, model: { source: '/nonexistent/model', cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 16 });
    expect(pool.info).toBe(base.info);
    expect(await pool.embedQuery('What does FaMUS approximate?')).toEqual(await base.embedQuery('What does FaMUS approximate?'));
    expect(await pool.embedPassages(['one short passage', 'another'])).toHaveLength(2);
    expect(spy).toMatchObject({ passageCalls: 1, queryCalls: 1 });
  }, 30_000);

  it('falls back to the in-process embedder when the workers cannot load the model', async () => {
    const spy = recording(base);
    const pool = createWorkerPoolEmbedder({ base: spy, model: { source: path.join(dir, 'no-such-model'), cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 2 });
    const vectors = await pool.embedPassages(['first passage of a build', 'second passage of a build', 'third']);
    expect(vectors).toHaveLength(3);
    expect(spy.passageCalls).toBe(1);
  }, 30_000);

  it('drops the batches still queued when the build is aborted, and rejects with an AbortError', async () => {
    const controller = new AbortController();
    // Aborts while the third batch is being handed to a worker: the other 37 are still queued.
    const watched = watchedWorkers((sent) => sent === 3 && controller.abort());
    const pool = createWorkerPoolEmbedder({ base: recording(base), model: { source: modelDir, cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 2, startWorker: watched.startWorker });

    const build = pool.embedPassages(syntheticAbstracts(40, { seed: 3 }), { signal: controller.signal });

    await expect(build).rejects.toMatchObject({ name: 'AbortError' });
    // A later call's batches queue behind whatever is left: only its own two reach the workers.
    await pool.embedPassages(['first passage of the next build', 'second passage of the next build']);
    expect(watched.batches).toHaveLength(3 + 2);
    await pool.dispose();
  }, 30_000);

  it('gives up waiting for the workers to start when the build is aborted, and sends them nothing', async () => {
    const watched = watchedWorkers();
    const pool = createWorkerPoolEmbedder({ base: recording(base), model: { source: modelDir, cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 2, startWorker: watched.startWorker });
    const controller = new AbortController();

    const build = pool.embedPassages(['first passage of a build', 'second passage of a build'], { signal: controller.signal });
    controller.abort();

    await expect(build).rejects.toMatchObject({ name: 'AbortError' });
    expect(watched.batches).toHaveLength(0);
    await pool.dispose();
  }, 30_000);

  it('refuses work after dispose, and disposes the embedder it wraps', async () => {
    const spy = recording(base);
    const pool = createWorkerPoolEmbedder({ base: spy, model: { source: modelDir, cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 2 });
    await pool.embedPassages(['first passage of a build', 'second passage of a build']);
    await pool.dispose();
    expect(spy.disposed).toBe(1);
    await expect(pool.embedPassages(['x'])).rejects.toThrow(/disposed/);
  }, 30_000);

  // terminate() under a native call in flight aborted the whole process about once in ten loaded runs
  // ("terminate called after throwing an instance of 'Napi::Error'"): workers must end by themselves (code 0).
  it.each([
    ['while the workers are still loading the model', 0],
    ['in the middle of a build', 2],
  ])('lets each worker finish and end by itself when the pool is disposed %s', async (_when, batchesBeforeDispose) => {
    const exits: Promise<number>[] = [];
    let dispose: () => void = () => undefined;
    const disposing = new Promise<void>((resolve) => (dispose = resolve));
    const watched = watchedWorkers((sent) => sent === batchesBeforeDispose && dispose());
    const startWorker = (data: EmbedWorkerData): Worker => {
      const worker = watched.startWorker(data);
      exits.push(new Promise((resolve) => worker.once('exit', resolve)));
      return worker;
    };
    const pool = createWorkerPoolEmbedder({ base: recording(base), model: { source: modelDir, cacheDir: dir, dtype: 'q8' }, workers: 2, minTexts: 2, startWorker });

    const build = pool.embedPassages(syntheticAbstracts(40, { seed: 4 }));
    build.catch(() => undefined);
    if (batchesBeforeDispose === 0) dispose();
    await disposing;
    await pool.dispose();

    expect(await Promise.all(exits)).toEqual([0, 0]);
    await expect(build).rejects.toThrow(/disposed|exited/);
  }, 30_000);
});
