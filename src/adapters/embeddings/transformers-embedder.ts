/**
 * The Embedder on top of transformers.js (`@huggingface/transformers`, ONNX Runtime in Node).
 *
 * Loading is where users get stuck (no network, a proxy that swallows requests, a half-copied model
 * folder), so every way it can fail ends in one UserError, E_MODEL_UNAVAILABLE, that says what to do.
 * The library has no timeout of its own: a host that accepts the connection and never answers held a load
 * for 300 s (Node fetch's header timeout). We route the library's downloads through `env.fetch` with an
 * abort signal, and bound the whole first load with a timer.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import type { DataType, FeatureExtractionPipeline } from '@huggingface/transformers';
import { UserError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Logger } from '../../core/logger.ts';
import type { Embedder, EmbedderInfo, Pooling } from '../../core/retrieval/embedder.ts';
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
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number, got ${batchSize}`);

  const source: ModelSource =
    modelDir === undefined
      ? { kind: 'hub', id: model, label: `"${model}"`, modelId: model, cacheDir }
      : { kind: 'folder', dir: path.resolve(modelDir), label: `in the folder ${path.resolve(modelDir)}`, modelId: `local:${path.basename(path.resolve(modelDir))}`, cacheDir };
  const profileName = source.kind === 'folder' ? path.basename(source.dir) : model;
  const profile = resolveModelProfile(profileName, options.pooling);

  checkOnDisk(source, allowRemote);

  const started = performance.now();
  const extractor = await loadPipeline(source, { dtype, allowRemote, loadTimeoutMs, threads, logger });
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
      const vectors: number[][] = new Array<number[]>(texts.length);
      // Batches of similar length waste little on padding; the original order is restored below.
      const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
      for (let start = 0; start < order.length; start += batchSize) {
        const indices = order.slice(start, start + batchSize);
        const batch = await exclusive(() => {
          assertUsable(signal);
          return runExtractor(extractor, indices.map((i) => texts[i] ?? ''), profile.pooling);
        });
        indices.forEach((textIndex, j) => {
          const vector = batch[j];
          if (vector === undefined) throw new Error(`The embedding model returned ${batch.length} vectors for ${indices.length} texts.`);
          vectors[textIndex] = vector;
        });
      }
      return vectors;
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

type ModelSource =
  | { kind: 'hub'; id: string; label: string; modelId: string; cacheDir: string }
  | { kind: 'folder'; dir: string; label: string; modelId: string; cacheDir: string };

async function runExtractor(extractor: FeatureExtractionPipeline, texts: string[], pooling: Pooling): Promise<number[][]> {
  const output = await extractor(texts, { pooling, normalize: true });
  try {
    return output.tolist() as number[][];
  } finally {
    output.dispose();
  }
}

/** The sentence's ending: what a person can do about a model that cannot be had. */
function fixFor(source: ModelSource, ways: { allowNetwork: boolean; raiseTimeout?: boolean }): string {
  if (source.kind === 'folder') {
    return 'put config.json, tokenizer.json, tokenizer_config.json and onnx/ there (EMBEDDING_MODEL_DIR), or set EMBEDDINGS=lexical';
  }
  const place = `place the model folder at EMBEDDING_MODEL_DIR or under ${path.join(source.cacheDir, source.id)}`;
  const extra = [
    ...(ways.allowNetwork ? ['set EMBEDDING_ALLOW_REMOTE=true to download it'] : []),
    ...(ways.raiseTimeout === true ? ['raise EMBEDDING_LOAD_TIMEOUT_MS'] : []),
  ];
  return [place, ...extra, 'or set EMBEDDINGS=lexical'].join(', ');
}

/** Fails at once, before the library gets involved, when the model plainly is not on disk and may not be downloaded. */
function checkOnDisk(source: ModelSource, allowRemote: boolean): void {
  if (source.kind === 'folder') {
    const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter((file) => !existsSync(path.join(source.dir, file)));
    if (missing.length > 0) {
      const what = existsSync(source.dir) ? `has no ${missing.join(', ')}` : 'does not exist';
      throw new UserError('E_MODEL_UNAVAILABLE', `The embedding model folder ${source.dir} ${what}: ${fixFor(source, { allowNetwork: false })}.`);
    }
    return;
  }
  if (!allowRemote && !existsSync(path.join(source.cacheDir, source.id, 'config.json'))) {
    throw new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} is not on this machine and downloading is off: ${fixFor(source, { allowNetwork: true })}.`);
  }
}

interface LoadOptions {
  dtype: string;
  allowRemote: boolean;
  loadTimeoutMs: number;
  threads: number | undefined;
  logger: Logger;
}

async function loadPipeline(source: ModelSource, { dtype, allowRemote, loadTimeoutMs, threads, logger }: LoadOptions): Promise<FeatureExtractionPipeline> {
  const remote = source.kind === 'hub' && allowRemote;
  // transformers.js keeps these settings in one global object; they are set before every load so the
  // options of this embedder are the ones in force while it loads.
  env.allowLocalModels = true;
  env.allowRemoteModels = remote;
  env.useFSCache = true;
  env.cacheDir = source.cacheDir;
  env.localModelPath = source.cacheDir;

  const controller = new AbortController();
  const network = { pending: 0, pendingAtTimeout: 0 };
  const restoreFetch = routeFetchThrough(controller.signal, network);
  const timer = setTimeout(() => {
    network.pendingAtTimeout = network.pending;
    controller.abort(new LoadTimeoutError(loadTimeoutMs));
  }, loadTimeoutMs);
  const loading = pipeline('feature-extraction', source.kind === 'folder' ? source.dir : source.id, {
    dtype: dtype as DataType,
    device: 'cpu',
    cache_dir: source.cacheDir,
    local_files_only: !remote,
    session_options: threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });

  try {
    return await Promise.race([loading, rejectOnAbort(controller.signal)]);
  } catch (error) {
    // A load that finishes after we gave up would hold an ONNX session nobody can release.
    const settled = loading.then(
      (late) => late.dispose(),
      (lateError: unknown) => logger.debug({ error: errorText(lateError) }, 'abandoned model load failed'),
    );
    // The library memoizes in-flight config and metadata requests and forgets them only once they reject;
    // a retry made before that would get the old failure back. Aborted requests reject within a few ticks.
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, ABANDONED_LOAD_GRACE_MS).unref())]);
    throw explainLoadFailure(error, source, { remote, loadTimeoutMs, hubPending: network.pendingAtTimeout > 0 });
  } finally {
    clearTimeout(timer);
    restoreFetch();
  }
}

const ABANDONED_LOAD_GRACE_MS = 250;

class LoadTimeoutError extends Error {
  override readonly name = 'LoadTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`model load timed out after ${timeoutMs} ms`);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * Makes every request the library sends during this load abortable by `signal`. Once the load is over the
 * wrapper passes requests straight through, so overlapping loads cannot leave a dead fetch behind.
 */
function routeFetchThrough(signal: AbortSignal, network: { pending: number }): () => void {
  const previous = env.fetch;
  let active = true;
  const routed: typeof env.fetch = async (input, init?: RequestInit) => {
    if (!active) return previous(input, init);
    const signals = init?.signal ? [init.signal, signal] : [signal];
    network.pending += 1;
    try {
      return await previous(input, { ...init, signal: AbortSignal.any(signals) });
    } finally {
      network.pending -= 1;
    }
  };
  env.fetch = routed;
  return () => {
    active = false;
    if (env.fetch === routed) env.fetch = previous;
  };
}

function explainLoadFailure(error: unknown, source: ModelSource, facts: { remote: boolean; loadTimeoutMs: number; hubPending: boolean }): UserError {
  if (error instanceof UserError) return error;
  const seconds = Math.round(facts.loadTimeoutMs / 100) / 10;
  if (error instanceof LoadTimeoutError || (error instanceof Error && error.cause instanceof LoadTimeoutError)) {
    const why = !facts.remote ? 'loading took too long' : facts.hubPending ? 'the model hub did not answer' : 'the download or the load took too long';
    return new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} did not load within ${seconds} s (${why}): ${fixFor(source, { allowNetwork: false, raiseTimeout: true })}.`, { cause: error });
  }
  const text = errorText(error);
  const networkCode = networkErrorCode(error);
  if (networkCode !== undefined) {
    return new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} could not be downloaded because the model hub is unreachable (${networkCode}): ${fixFor(source, { allowNetwork: false })}.`, { cause: error });
  }
  const status = error instanceof Error ? (error as { status?: unknown }).status : undefined;
  if (typeof status === 'number') {
    return new UserError('E_MODEL_UNAVAILABLE', `The model hub has no embedding model ${source.label} or refuses access to it (HTTP ${status}): check EMBEDDING_MODEL, ${fixFor(source, { allowNetwork: false })}.`, { cause: error });
  }
  if (/trying to load file: "https?:/.test(text)) {
    return new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} could not be downloaded (${text}): ${fixFor(source, { allowNetwork: false })}.`, { cause: error });
  }
  const missingLocally = /not found locally at "([^"]+)"|Local file missing at "([^"]+)"|no such file[^']*'([^']+)'/i.exec(text);
  if (missingLocally) {
    const file = missingLocally[1] ?? missingLocally[2] ?? missingLocally[3] ?? '';
    return new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} is incomplete on this machine (missing ${file}): ${fixFor(source, { allowNetwork: !facts.remote && source.kind === 'hub' })}.`, { cause: error });
  }
  return new UserError('E_MODEL_UNAVAILABLE', `Embedding model ${source.label} could not be loaded (${text}): ${fixFor(source, { allowNetwork: !facts.remote && source.kind === 'hub' })}.`, { cause: error });
}

/** `fetch failed` hides the reason in `cause` (ENOTFOUND, ECONNREFUSED, …). */
function networkErrorCode(error: unknown): string | undefined {
  let fetchFailed = false;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    if (current.message === 'fetch failed') fetchFailed = true;
  }
  return fetchFailed ? 'fetch failed' : undefined;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
