/**
 * One thread of the embedding worker pool (worker-pool-embedder.ts): loads the model from disk, never from
 * the network (the main thread has already loaded the same files), then answers each `embed` message with
 * the batch's vectors in one Float32Array, transferred rather than copied. embed-worker-entry.mjs starts it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { silentLogger } from '../../core/logger.ts';
import type { Pooling } from '../../core/retrieval/embedder.ts';
import { loadFeatureExtractor, modelSource, type TransformersLibrary } from './load-embedding-model.ts';

/** What the pool tells a worker to load. */
export interface EmbedWorkerData {
  /** An absolute model folder, or a hub id found under `cacheDir`. */
  source: string;
  cacheDir: string;
  dtype: string;
  pooling: Pooling;
  /** ONNX intra-op threads of this worker's session. */
  threads: number;
  loadTimeoutMs: number;
}

export type EmbedRequest =
  | { type: 'embed'; texts: string[] }
  /**
   * Finish what is running, release the session, then end the thread. The pool sends this instead of calling
   * `worker.terminate()` while ONNX runtime may be working: a thread torn down under a native call in flight
   * (a session being created, a batch being run) aborted the whole process ("terminate called after throwing
   * an instance of 'Napi::Error'"), seen about once in ten test runs on a loaded 2-core machine.
   */
  | { type: 'close' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-error'; error: string }
  | { type: 'vectors'; data: Float32Array; count: number }
  | { type: 'error'; error: string };

const port = parentPort;
if (port === null) throw new Error('embed-worker.ts runs only in a worker thread.');
const { source, cacheDir, dtype, pooling, threads, loadTimeoutMs } = workerData as EmbedWorkerData;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
// The CommonJS build: through tsx's hooks (which this thread needs for its .ts modules) the ESM build took
// 0.6-1.4 s to import in a fresh thread, the CommonJS one 0.1-0.3 s, and every index build starts the workers.
const transformers = createRequire(import.meta.url)('@huggingface/transformers') as TransformersLibrary;

/** Everything the thread has started in ONNX runtime (the load, each batch): a close waits for all of it. */
const inFlight = new Set<Promise<unknown>>();
const track = <T>(work: Promise<T>): Promise<T> => {
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work)).catch(() => undefined);
  return work;
};
let closing = false;
let extractor: Awaited<ReturnType<typeof loadFeatureExtractor>> | null = null;

const embed = async (texts: string[]): Promise<void> => {
  try {
    if (extractor === null) throw new Error('the embedding model is not loaded in this worker');
    const output = await extractor(texts, { pooling, normalize: true });
    const data = Float32Array.from(output.data as Float32Array);
    output.dispose();
    post({ type: 'vectors', data, count: texts.length }, [data.buffer]);
  } catch (error) {
    post({ type: 'error', error: messageOf(error) });
  }
};

const close = async (): Promise<void> => {
  closing = true;
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  await extractor?.dispose().catch(() => undefined);
  port.close(); // nothing else keeps the thread's event loop alive: it ends, and the pool sees 'exit'
};

// Listening before the model loads: a close may come while it loads (a build aborted at once).
port.on('message', (message: EmbedRequest) => {
  if (message.type === 'close') void close();
  else if (message.type === 'embed' && !closing) void track(embed(message.texts));
});

try {
  const location = path.isAbsolute(source) ? { model: source, modelDir: source, cacheDir } : { model: source, cacheDir };
  extractor = await track(loadFeatureExtractor(transformers, modelSource(location), { dtype, allowRemote: false, loadTimeoutMs, threads, logger: silentLogger }));
  if (!closing) post({ type: 'ready' });
} catch (error) {
  post({ type: 'load-error', error: messageOf(error) });
}
