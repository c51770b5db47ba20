/**
 * An Embedder that spreads index builds over worker threads, each with its own single-threaded ONNX session.
 *
 * Why: on a small CPU one ONNX session with N intra-op threads leaves cores idle between the short kernels
 * of a small model (tokenizing, pooling and the JS around each call run on one thread). N independent
 * single-threaded sessions keep every core busy. On this project's 2-core machine, 10k real abstracts with
 * all-MiniLM-L6-v2's architecture: two workers embedded 40.5 abstracts/s, the in-process embedder (one
 * session, two threads, length-sorted batches) 30.3/s, a naive pipeline 23.0/s (BENCHMARKS.md).
 *
 * Queries and small batches still go to the wrapped in-process embedder (`base`), which also validated the
 * model at start-up: a query never waits behind a build, and the workers are only started (lazily) by the
 * first large batch, so a bot that never builds never pays for them.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Embedder } from '../../core/retrieval/embedder.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';

export interface WorkerPoolEmbedderOptions {
  /** The loaded in-process embedder: its info is the pool's, and it embeds queries and small batches. */
  base: Embedder;
  /** What each worker loads: the same model files the base embedder loaded (already on disk). */
  model: {
    /** An absolute model folder, or a hub id found under `cacheDir`. */
    source: string;
    cacheDir: string;
    dtype: string;
  };
  /** Worker threads; 2 or more (with fewer, use `base` alone). */
  workers: number;
  /** ONNX intra-op threads per worker (default 1: the pool itself is the parallelism). */
  threadsPerWorker?: number;
  /**
   * Texts per worker call (default 1). Texts are sorted by length first, yet on a small CPU padding still cost
   * more than batching saved: one text per call was fastest (17 vs 14 abstracts/s at 4, 11 at 8, same run).
   */
  batchSize?: number;
  /** Calls with fewer texts than this go to `base` (default 16): starting workers costs more than it saves. */
  minTexts?: number;
  logger?: Logger;
}

interface Job {
  texts: string[];
  resolve: (vectors: number[][]) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  current: Job | null;
}

export function createWorkerPoolEmbedder(options: WorkerPoolEmbedderOptions): Embedder {
  const { base, model, workers: size, threadsPerWorker = 1, batchSize = 1, minTexts = 16 } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'embedding-pool' });
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`a worker pool needs at least 2 workers, got ${size}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number, got ${batchSize}`);

  let pool: PoolWorker[] | null = null;
  /** Set when the workers could not start: the build goes on in-process rather than failing. */
  let broken = false;
  let disposed = false;
  const queue: Job[] = [];

  const start = (): PoolWorker[] => {
    // An absolute path: an eval'd worker resolves bare names against the current directory, not this project.
    const transformersPath = createRequire(import.meta.url).resolve('@huggingface/transformers');
    const started = performance.now();
    const list = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { transformersPath, ...model, pooling: base.info.pooling, threads: threadsPerWorker },
      });
      // Referenced while loading (a build awaits it); dispatch() unrefs it whenever it is idle.
      const entry: PoolWorker = { worker, busy: false, current: null, ready: Promise.resolve() };
      entry.ready = new Promise<void>((resolve, reject) => {
        const onMessage = (message: WorkerMessage) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'load-error') reject(new Error(message.error));
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
      });
      worker.on('message', (message: WorkerMessage) => {
        if (message.type !== 'vectors' && message.type !== 'error') return;
        const job = entry.current;
        entry.current = null;
        entry.busy = false;
        if (job !== null) {
          if (message.type === 'error') job.reject(new Error(message.error));
          else job.resolve(unpack(message.data, message.count));
        }
        dispatch();
      });
      // A worker that dies (out of memory, a native crash) would leave its job and the queue waiting forever.
      worker.on('error', (error) => failAll(error));
      worker.on('exit', (code) => {
        if (!disposed && pool !== null) failAll(new Error(`an embedding worker exited unexpectedly (code ${code})`));
      });
      return entry;
    });
    void Promise.all(list.map((w) => w.ready)).then(
      () => logger.info({ workers: size, threadsPerWorker, loadMs: Math.round(performance.now() - started) }, 'embedding workers ready'),
      () => undefined,
    );
    return list;
  };

  const failAll = (error: Error) => {
    broken = true;
    const list = pool ?? [];
    pool = null;
    for (const entry of list) {
      entry.current?.reject(error);
      entry.current = null;
    }
    for (const job of queue.splice(0)) job.reject(error);
    logger.error({ error: error.message }, 'embedding workers failed; later batches are embedded in the main thread');
    void Promise.all(list.map((w) => w.worker.terminate()));
  };

  const dispatch = () => {
    if (pool === null) return;
    for (const entry of pool) {
      if (entry.busy) continue;
      const job = queue.shift();
      if (job === undefined) break;
      entry.busy = true;
      entry.current = job;
      entry.worker.ref();
      entry.worker.postMessage({ type: 'embed', texts: job.texts });
    }
    // Idle workers must not keep a finished build's process alive.
    for (const entry of pool) if (!entry.busy) entry.worker.unref();
  };

  const runOnWorkers = (texts: string[]): Promise<number[][]> =>
    new Promise((resolve, reject) => {
      queue.push({ texts, resolve, reject });
      dispatch();
    });

  return {
    info: base.info,

    async embedPassages(texts, { signal } = {}) {
      if (disposed) throw new Error('The embedder was disposed.');
      signal?.throwIfAborted();
      if (texts.length < minTexts || broken) return base.embedPassages(texts, signal === undefined ? {} : { signal });
      if (pool === null) pool = start();
      try {
        await Promise.all(pool.map((w) => w.ready));
      } catch (error) {
        broken = true;
        logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'embedding workers could not start; embedding in the main thread');
        await terminate();
        return base.embedPassages(texts, signal === undefined ? {} : { signal });
      }
      const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
      const batches: number[][] = [];
      for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
      const vectors: number[][] = new Array<number[]>(texts.length);
      await Promise.all(
        batches.map(async (indices) => {
          const batch = await runOnWorkers(indices.map((i) => texts[i] ?? ''));
          signal?.throwIfAborted();
          indices.forEach((textIndex, j) => {
            const vector = batch[j];
            if (vector === undefined) throw new Error(`An embedding worker returned ${batch.length} vectors for ${indices.length} texts.`);
            vectors[textIndex] = vector;
          });
        }),
      );
      return vectors;
    },

    embedQuery(text, queryOptions) {
      return base.embedQuery(text, queryOptions);
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      await terminate();
      await base.dispose();
    },
  };

  async function terminate(): Promise<void> {
    const list = pool ?? [];
    pool = null;
    for (const job of queue.splice(0)) job.reject(new Error('The embedder was disposed.'));
    await Promise.all(list.map((w) => w.worker.terminate()));
  }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-error'; error: string }
  | { type: 'vectors'; data: Float32Array; count: number }
  | { type: 'error'; error: string };

function unpack(data: Float32Array, count: number): number[][] {
  const dims = count === 0 ? 0 : data.length / count;
  return Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * dims, (i + 1) * dims)));
}

/**
 * The worker's code, evaluated as a classic script: a plain string works the same under tsx, vitest and
 * node, where a `.ts` worker file would need a loader in every thread. It requires transformers.js from
 * the path the main thread resolved and answers `embed` messages with one Float32Array per batch.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  let extractor;
  try {
    const { env, pipeline } = require(workerData.transformersPath);
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.useFSCache = true;
    env.cacheDir = workerData.cacheDir;
    env.localModelPath = workerData.cacheDir;
    extractor = await pipeline('feature-extraction', workerData.source, {
      dtype: workerData.dtype,
      device: 'cpu',
      cache_dir: workerData.cacheDir,
      local_files_only: true,
      session_options: { intraOpNumThreads: workerData.threads, interOpNumThreads: 1 },
    });
  } catch (error) {
    parentPort.postMessage({ type: 'load-error', error: String(error && error.message || error) });
    return;
  }
  parentPort.postMessage({ type: 'ready' });
  parentPort.on('message', async (message) => {
    if (message.type !== 'embed') return;
    try {
      const output = await extractor(message.texts, { pooling: workerData.pooling, normalize: true });
      const data = Float32Array.from(output.data);
      output.dispose();
      parentPort.postMessage({ type: 'vectors', data, count: message.texts.length }, [data.buffer]);
    } catch (error) {
      parentPort.postMessage({ type: 'error', error: String(error && error.message || error) });
    }
  });
})();
`;
