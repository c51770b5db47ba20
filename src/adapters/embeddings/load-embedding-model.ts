/**
 * Getting an embedding model loaded, which is where users get stuck (no network, a proxy that swallows
 * requests, a half-copied model folder): where the model is looked for (a local folder, or a hub id under
 * the cache folder), whether the hub may be asked, and a bound on the whole load. Every way it can fail ends
 * in one UserError, E_MODEL_UNAVAILABLE, whose sentence says what to do.
 *
 * The library has no timeout of its own: a host that accepts the connection and never answers held a load
 * for 300 s (Node fetch's header timeout). We route the library's downloads through `env.fetch` with an
 * abort signal, and bound the whole load with a timer.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataType, FeatureExtractionPipeline, env, pipeline } from '@huggingface/transformers';
import { UserError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

/**
 * The parts of transformers.js a load uses. Passed in because the main thread and a worker thread load
 * different builds of it (see embed-worker.ts), and its settings live in the build's own `env`.
 */
export interface TransformersLibrary {
  env: typeof env;
  pipeline: typeof pipeline;
}

/** Where a model comes from; `label` names it in messages, `modelId` in the manifest. */
export type ModelSource =
  | { kind: 'hub'; id: string; label: string; modelId: string; cacheDir: string }
  | { kind: 'folder'; dir: string; label: string; modelId: string; cacheDir: string };

/** A model folder (`modelDir`) when one is given, else the hub id `model`, looked for under `cacheDir`. */
export function modelSource({ model, modelDir, cacheDir }: { model: string; modelDir?: string | undefined; cacheDir: string }): ModelSource {
  if (modelDir === undefined) return { kind: 'hub', id: model, label: `"${model}"`, modelId: model, cacheDir };
  const dir = path.resolve(modelDir);
  return { kind: 'folder', dir, label: `in the folder ${dir}`, modelId: `local:${path.basename(dir)}`, cacheDir };
}

export interface LoadOptions {
  /** ONNX weights variant: `q8` loads `onnx/model_quantized.onnx`, `fp32` loads `onnx/model.onnx`. */
  dtype: string;
  /** Whether the model hub may be asked when the model is not on disk. */
  allowRemote: boolean;
  /** Bound on the whole load (download included) before giving up with E_MODEL_UNAVAILABLE. */
  loadTimeoutMs: number;
  /** ONNX Runtime intra-op threads (undefined: ONNX Runtime's own choice, all cores). */
  threads: number | undefined;
  logger: Logger;
}

/** Checks the disk, then loads the feature-extraction pipeline within `loadTimeoutMs`; throws E_MODEL_UNAVAILABLE. */
export async function loadFeatureExtractor(library: TransformersLibrary, source: ModelSource, options: LoadOptions): Promise<FeatureExtractionPipeline> {
  checkOnDisk(source, options.allowRemote);
  return loadPipeline(library, source, options);
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

async function loadPipeline(
  { env, pipeline }: TransformersLibrary,
  source: ModelSource,
  { dtype, allowRemote, loadTimeoutMs, threads, logger }: LoadOptions,
): Promise<FeatureExtractionPipeline> {
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
  const restoreFetch = routeFetchThrough(env, controller.signal, network);
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
function routeFetchThrough(env: TransformersLibrary['env'], signal: AbortSignal, network: { pending: number }): () => void {
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

/** An error's message, cut to a length that fits in a sentence. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
