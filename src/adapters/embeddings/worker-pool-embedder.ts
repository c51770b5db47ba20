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
import { Worker } from 'node:worker_threads';
import type { Embedder } from '../../core/retrieval/embedder.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';
import { checkBatchSize, embedInBatches } from './embed-in-batches.ts';
import type { EmbedRequest, EmbedWorkerData, WorkerMessage } from './embed-worker.ts';

export interface WorkerPoolEmbedderOptions {
  /** The loaded in-process embedder: its info is the pool's, and it embeds queries and small batches. */
  base: Embedder;
  /** What each worker loads: the same model files the base embedder loaded (already on disk). */
  model: {
    /** An absolute model folder, or a hub id found under `cacheDir`. */
    source: string;
    cacheDir: string;
    dtype: string;
    /** Bound on each worker's load (default 60 s: the files are on disk, so this only catches a stuck load). */
    loadTimeoutMs?: number;
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
  /** Starts one worker thread (default startEmbedWorker); tests wrap it to watch what the workers are sent. */
  startWorker?: (data: EmbedWorkerData) => Worker;
}

const DEFAULT_WORKER_LOAD_TIMEOUT_MS = 60_000;

/**
 * One worker thread running embed-worker.ts. It does not inherit the parent's flags: under `tsx` they hook
 * every `require` in the thread and made each worker a second slower to start; the entry module registers
 * what the thread needs itself.
 */
export function startEmbedWorker(data: EmbedWorkerData): Worker {
  return new Worker(new URL('./embed-worker-entry.mjs', import.meta.url), { workerData: data, execArgv: [] });
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
  const { base, model, workers: size, threadsPerWorker = 1, batchSize = 1, minTexts = 16, startWorker = startEmbedWorker } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'embedding-pool' });
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`a worker pool needs at least 2 workers, got ${size}`);
  checkBatchSize(batchSize);
  const { loadTimeoutMs = DEFAULT_WORKER_LOAD_TIMEOUT_MS, ...files } = model;

  let pool: PoolWorker[] | null = null;
  /** Set when the workers could not start: the build goes on in-process rather than failing. */
  let broken = false;
  let disposed = false;
  const queue: Job[] = [];

  const start = (): PoolWorker[] => {
    const started = performance.now();
    const list = Array.from({ length: size }, () => {
      const worker = startWorker({ ...files, loadTimeoutMs, pooling: base.info.pooling, threads: threadsPerWorker });
      // Referenced while loading (a build awaits it); dispatch() unrefs it whenever it is idle.
      const entry: PoolWorker = { worker, busy: false, current: null, ready: Promise.resolve() };
      entry.ready = new Promise<void>((resolve, reject) => {
        const onMessage = (message: WorkerMessage) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'load-error') reject(new Error(message.error));
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        // A worker told to close while it loads ends without 'ready' (dispose during start-up).
        worker.once('exit', (code) => reject(new Error(`an embedding worker exited while loading the model (code ${code})`)));
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
    void Promise.all(list.map((w) => stopWorker(w.worker)));
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
      entry.worker.postMessage({ type: 'embed', texts: job.texts } satisfies EmbedRequest);
    }
    // Idle workers must not keep a finished build's process alive.
    for (const entry of pool) if (!entry.busy) entry.worker.unref();
  };

  /** Queues one batch; `pending` holds the call's jobs until they settle, so an abort can drop them. */
  const runOnWorkers = (texts: string[], pending: Set<Job>): Promise<number[][]> =>
    new Promise((resolve, reject) => {
      const job: Job = {
        texts,
        resolve: (vectors) => {
          pending.delete(job);
          resolve(vectors);
        },
        reject: (error) => {
          pending.delete(job);
          reject(error);
        },
      };
      pending.add(job);
      queue.push(job);
      dispatch();
    });

  /** Rejects every unsettled job of one call: queued ones leave the queue and never run; running ones finish unread. */
  const dropJobs = (pending: Set<Job>, reason: Error) => {
    for (const job of [...pending]) {
      const queued = queue.indexOf(job);
      if (queued >= 0) queue.splice(queued, 1);
      job.reject(reason);
    }
  };

  return {
    info: base.info,

    async embedPassages(texts, { signal } = {}) {
      if (disposed) throw new Error('The embedder was disposed.');
      signal?.throwIfAborted();
      if (texts.length < minTexts || broken) return base.embedPassages(texts, signal === undefined ? {} : { signal });
      if (pool === null) pool = start();
      try {
        await whileNotAborted(Promise.all(pool.map((w) => w.ready)), signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        if (disposed) throw new Error('The embedder was disposed.', { cause: error });
        broken = true;
        logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'embedding workers could not start; embedding in the main thread');
        await terminate();
        return base.embedPassages(texts, signal === undefined ? {} : { signal });
      }
      const pending = new Set<Job>();
      const onAbort = () => dropJobs(pending, abortReason(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await embedInBatches(texts, { batchSize, concurrent: true, embedBatch: (batch) => runOnWorkers(batch, pending) });
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
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
    await Promise.all(list.map((w) => stopWorker(w.worker)));
  }
}

/** How long a worker may take to finish its batch and end by itself before it is terminated. */
const WORKER_CLOSE_TIMEOUT_MS = 10_000;

/**
 * Ends a worker without pulling its thread out from under ONNX runtime (see the `close` message in
 * embed-worker.ts): it finishes what runs and exits; `terminate()` only when it does not within the timeout.
 */
async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return; // already exited
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // an idle (unreferenced) worker must still be waited for
  worker.postMessage({ type: 'close' } satisfies EmbedRequest);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), WORKER_CLOSE_TIMEOUT_MS);
  });
  try {
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  } finally {
    clearTimeout(timer);
  }
}

function unpack(data: Float32Array, count: number): number[][] {
  const dims = count === 0 ? 0 : data.length / count;
  return Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * dims, (i + 1) * dims)));
}

/** `promise`, or the signal's reason as soon as it aborts. */
async function whileNotAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) throw abortReason(signal);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted.', 'AbortError');
}
