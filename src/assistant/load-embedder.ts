/**
 * Loads the embedding model according to EMBEDDINGS: `dense` requires it, `lexical` skips it, and `auto`
 * falls back to lexical-only retrieval with a loud warning when the model cannot be had (offline, no local
 * folder). The warning is returned so each entry point can show it where its user looks.
 */
import type { Config } from '../config.ts';
import { isUserError } from '../core/errors.ts';
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { Logger } from '../core/logger.ts';
import { createTransformersEmbedder } from '../adapters/embeddings/transformers-embedder.ts';
import { createWorkerPoolEmbedder } from '../adapters/embeddings/worker-pool-embedder.ts';

export interface LoadedEmbedder {
  embedder: Embedder | null;
  /** Set when running lexical-only although dense retrieval was wanted. */
  warning: string | null;
}

export async function loadEmbedder(config: Config['embeddings'], logger: Logger): Promise<LoadedEmbedder> {
  if (config.mode === 'lexical') return { embedder: null, warning: null };
  try {
    const embedder = await createTransformersEmbedder({
      model: config.model,
      dtype: config.dtype,
      pooling: config.pooling,
      modelDir: config.modelDir,
      cacheDir: config.cacheDir,
      allowRemote: config.allowRemote,
      loadTimeoutMs: config.loadTimeoutMs,
      threads: config.threads,
      logger,
    });
    if (config.workers < 2) return { embedder, warning: null };
    // Builds spread over worker threads; queries stay on `embedder`. Workers start only when a build needs them.
    const source = config.modelDir ?? config.model;
    return { embedder: createWorkerPoolEmbedder({ base: embedder, model: { source, cacheDir: config.cacheDir, dtype: config.dtype, loadTimeoutMs: config.loadTimeoutMs }, workers: config.workers, logger }), warning: null };
  } catch (error) {
    if (config.mode === 'dense' || !isUserError(error)) throw error;
    const warning = `WARNING: ${error.message} Continuing with lexical (keyword) search only, which misses paraphrases; set EMBEDDINGS=lexical to silence this or EMBEDDINGS=dense to make it an error.`;
    logger.debug({ code: error.code }, 'embedding model unavailable; lexical-only retrieval');
    return { embedder: null, warning };
  }
}
