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

export interface EmbedRequest {
  type: 'embed';
  texts: string[];
}

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

try {
  const location = path.isAbsolute(source) ? { model: source, modelDir: source, cacheDir } : { model: source, cacheDir };
  const extractor = await loadFeatureExtractor(transformers, modelSource(location), { dtype, allowRemote: false, loadTimeoutMs, threads, logger: silentLogger });
  const embed = async (texts: string[]): Promise<void> => {
    try {
      const output = await extractor(texts, { pooling, normalize: true });
      const data = Float32Array.from(output.data as Float32Array);
      output.dispose();
      post({ type: 'vectors', data, count: texts.length }, [data.buffer]);
    } catch (error) {
      post({ type: 'error', error: messageOf(error) });
    }
  };
  port.on('message', (message: EmbedRequest) => {
    if (message.type === 'embed') void embed(message.texts);
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'load-error', error: messageOf(error) });
}
