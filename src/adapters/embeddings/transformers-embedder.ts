/**
 * The Embedder on top of transformers.js (`@huggingface/transformers`, ONNX Runtime in Node): passages and
 * queries in, unit-length vectors out, one model call at a time. Getting the model loaded (and explaining why
 * it could not be) is load-embedding-model.ts; cutting passages into calls is embed-in-batches.ts.
 */
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { UserError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';
import type { Embedder, EmbedderInfo, Pooling } from '../../core/retrieval/embedder.ts';
import { checkBatchSize, embedInBatches } from './embed-in-batches.ts';
import { errorText, loadFeatureExtractor, modelSource } from './load-embedding-model.ts';
import { resolveModelProfile } from './model-profiles.ts';

/**
 * One text per model call. Measured with all-MiniLM-L6-v2's architecture (q8, 2 cores, 500 real
 * conference abstracts of 244 tokens on average): ONNX Runtime spent 48-50 ms of CPU per abstract at batch
 * size 1, 55-58 ms at 4, 61 ms at 8 and 67-72 ms at 16 with the texts sorted by length, and 78 ms at 8
 * unsorted (padding to the longest text). Batching never paid on this CPU; sorting by length is kept for
 * callers that choose a larger `batchSize`, where it saves about a fifth.
 */
export const DEFAULT_BATCH_SIZE = 1;

export interface TransformersEmbedderOptions {
  /** Hub model id, e.g. `Xenova/bge-small-en-v1.5`; also picks pooling and query prefix. */
  model: string;
  /** ONNX weights variant: `q8` loads `onnx/model_quantized.onnx`, `fp32` loads `onnx/model.onnx`. */
  dtype: string;
  /** Overrides the pooling known for the model (unknown models: mean). */
  pooling?: Pooling | undefined;
  /** A folder with config.json, tokenizer.json, tokenizer_config.json and onnx/; used instead of `model`. */
  modelDir?: string | undefined;
  /** Downloads are cached here (`<cacheDir>/<model id>/…`); a model placed there is used offline. */
  cacheDir: string;
  /** Whether the model hub may be asked when the model is not on disk. */
  allowRemote: boolean;
  /** Bound on the first load (download included) before giving up with E_MODEL_UNAVAILABLE. */
  loadTimeoutMs: number;
  /** ONNX Runtime intra-op threads (default: ONNX Runtime's own choice, all cores). */
  threads?: number;
  /** Texts per model call in `embedPassages` (default DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  logger?: Logger;
}

/** Loads the model (bounded by `loadTimeoutMs`), embeds a probe text to learn its dimensions, and returns the Embedder. */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const { model, dtype, modelDir, cacheDir, allowRemote, loadTimeoutMs, threads, batchSize = DEFAULT_BATCH_SIZE } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'embeddings' });
  checkBatchSize(batchSize);

  const source = modelSource({ model, modelDir, cacheDir });
  const profile = resolveModelProfile(source.kind === 'folder' ? path.basename(source.dir) : model, options.pooling);

  const started = performance.now();
  const extractor = await loadFeatureExtractor({ env, pipeline }, source, { dtype, allowRemote, loadTimeoutMs, threads, logger });
  let dims: number;
  try {
    const [probe] = await runExtractor(extractor, ['dimension probe'], profile.pooling);
    dims = probe?.length ?? 0;
    if (dims === 0) throw new Error('the model returned an empty vector');
  } catch (error) {
    await extractor.dispose();
    throw new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} loaded but could not embed text (${errorText(error)}): check that it is a text embedding model exported for transformers.js, or set EMBEDDINGS=lexical.`, { cause: error });
  }

  const info: EmbedderInfo = { modelId: source.modelId, dims, pooling: profile.pooling, dtype, queryPrefix: profile.queryPrefix };
  logger.info({ ...info, loadMs: Math.round(performance.now() - started), batchSize }, 'embedding model loaded');

  // One model call at a time: ONNX Runtime already uses every core for one call, and taking turns per batch
  // lets a query slip in between the batches of a long index build instead of waiting for all of it.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  let disposed = false;
  const assertUsable = (signal: AbortSignal | undefined) => {
    if (disposed) throw new Error('The embedder was disposed.');
    signal?.throwIfAborted();
  };

  return {
    info,

    async embedPassages(texts, { signal } = {}) {
      assertUsable(signal);
      return embedInBatches(texts, {
        batchSize,
        embedBatch: (batch) =>
          exclusive(() => {
            assertUsable(signal);
            return runExtractor(extractor, batch, profile.pooling);
          }),
      });
    },

    async embedQuery(text, { signal } = {}) {
      assertUsable(signal);
      const [vector] = await exclusive(() => {
        assertUsable(signal);
        return runExtractor(extractor, [profile.queryPrefix + text], profile.pooling);
      });
      if (vector === undefined) throw new Error('The embedding model returned no vector for the query.');
      return vector;
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      await queue;
      await extractor.dispose();
    },
  };
}

/** Runs the model on `texts` and copies the vectors out of ONNX's tensor before releasing it. */
export async function runExtractor(extractor: FeatureExtractionPipeline, texts: string[], pooling: Pooling): Promise<number[][]> {
  const output = await extractor(texts, { pooling, normalize: true });
  try {
    return output.tolist() as number[][];
  } finally {
    output.dispose();
  }
}
