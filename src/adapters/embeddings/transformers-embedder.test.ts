import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../core/errors.ts';
import type { Embedder } from '../../core/retrieval/embedder.ts';
import { makeTestModel } from '../../dev/test-model.ts';
import { BGE_QUERY_PREFIX, resolveModelProfile } from './model-profiles.ts';
import { createTransformersEmbedder } from './transformers-embedder.ts';
import type { TransformersEmbedderOptions } from './transformers-embedder.ts';

const SENTENCES = [
  'Sharpness-aware minimization seeks flat minima to improve the generalization of deep neural networks.',
  'Graph neural networks learn molecular representations for drug discovery.',
  'Diffusion models generate images by reversing a gradual noising process.',
  'Reinforcement learning agents explore environments to maximise their reward.',
  'Variance suppression stabilizes the adversary in sharpness-aware training.',
];

const corpusFile = fileURLToPath(new URL('../../../corpus/seed-papers.jsonl', import.meta.url));

let workDir: string;
let modelDir: string;
let cacheDir: string;
const opened: Embedder[] = [];

async function open(options: Partial<TransformersEmbedderOptions> = {}): Promise<Embedder> {
  const embedder = await createTransformersEmbedder({
    model: 'unused-when-modelDir-is-set',
    dtype: 'q8',
    modelDir,
    cacheDir,
    allowRemote: false,
    loadTimeoutMs: 10_000,
    threads: 1,
    ...options,
  });
  opened.push(embedder);
  return embedder;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
}

function norm(v: readonly number[]): number {
  return Math.sqrt(cosine(v, v));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'paperbot-embedder-'));
  modelDir = path.join(workDir, 'test-model');
  cacheDir = path.join(workDir, 'models');
  const corpusText = await readFile(corpusFile, 'utf8');
  await makeTestModel(modelDir, { vocabularyText: `${corpusText}\n${SENTENCES.join('\n')}` });
});

afterAll(async () => {
  await Promise.all(opened.map((embedder) => embedder.dispose()));
  await rm(workDir, { recursive: true, force: true });
});

describe('the generated test model', () => {
  // Generating the model takes ~5 s on a quiet machine and timed out at 10 s under load (a machine running the suite twice).
  it('is the same bytes every time it is generated', { timeout: 30_000 }, async () => {
    const again = path.join(workDir, 'again');
    await makeTestModel(again, { vocabularyText: `${await readFile(corpusFile, 'utf8')}\n${SENTENCES.join('\n')}` });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      expect(await readFile(path.join(again, file))).toEqual(await readFile(path.join(modelDir, file)));
    }
  });
});

describe('createTransformersEmbedder with a local model folder', () => {
  it('loads through transformers.js and reports the model it found', { timeout: 15_000 }, async () => {
    const embedder = await open();
    expect(embedder.info).toEqual({ modelId: 'local:test-model', dims: 32, pooling: 'mean', dtype: 'q8', queryPrefix: '' });
  });

  it('returns unit-length plain arrays, one per text, in order', { timeout: 15_000 }, async () => {
    const embedder = await open();
    const vectors = await embedder.embedPassages(SENTENCES);
    expect(vectors).toHaveLength(SENTENCES.length);
    for (const vector of vectors) {
      expect(Array.isArray(vector)).toBe(true);
      expect(vector).toHaveLength(32);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    expect(await embedder.embedPassages([])).toEqual([]);
  });

  it('gives the same vector for the same text', { timeout: 15_000 }, async () => {
    const embedder = await open();
    const [first] = await embedder.embedPassages([SENTENCES[0] ?? '']);
    const [second] = await embedder.embedPassages([SENTENCES[0] ?? '']);
    expect(second).toEqual(first);
    expect(await embedder.embedQuery('flat minima')).toEqual(await embedder.embedQuery('flat minima'));
  });

  it('embeds a batch exactly as it embeds each text alone, whatever the lengths', { timeout: 15_000 }, async () => {
    const embedder = await open({ batchSize: 2 });
    const texts = [SENTENCES[0] ?? '', 'flat', SENTENCES[2] ?? '', 'graph networks', SENTENCES[3] ?? '', 'x'];
    const together = await embedder.embedPassages(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embedPassages([text]);
      const batched = together[i] ?? [];
      expect(batched).toHaveLength(32);
      alone?.forEach((value, d) => expect(batched[d]).toBeCloseTo(value, 5));
    }
  });

  it('puts a text that shares words with a passage closer to it than an unrelated text', { timeout: 15_000 }, async () => {
    const embedder = await open();
    const [passage] = await embedder.embedPassages([SENTENCES[0] ?? '']);
    const related = await embedder.embedQuery('flat minima and generalization of deep networks');
    const unrelated = await embedder.embedQuery('diffusion models generate images');
    expect(cosine(related, passage ?? [])).toBeGreaterThan(cosine(unrelated, passage ?? []) + 0.1);
  });

  it('refuses to embed after dispose', { timeout: 15_000 }, async () => {
    const embedder = await open();
    await embedder.dispose();
    await expect(embedder.embedQuery('anything')).rejects.toThrow(/disposed/);
  });

  it('explains a model folder that does not exist', { timeout: 5_000 }, async () => {
    const error = await failure(open({ modelDir: path.join(workDir, 'nowhere') }));
    expect(isUserError(error) && error.code).toBe('E_MODEL_UNAVAILABLE');
    expect(String(error)).toMatch(/nowhere does not exist.*EMBEDDINGS=lexical/);
  });
});

describe('createTransformersEmbedder for a bge model', () => {
  it('prefixes queries (not passages) with the bge instruction and pools on CLS', { timeout: 15_000 }, async () => {
    const bgeDir = path.join(workDir, 'bge-small-en-v1.5');
    await cp(modelDir, bgeDir, { recursive: true });
    const embedder = await open({ modelDir: bgeDir });
    expect(embedder.info).toMatchObject({ modelId: 'local:bge-small-en-v1.5', pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX });

    const question = 'flat minima generalization';
    const query = await embedder.embedQuery(question);
    const [asPassage, prefixedPassage] = await embedder.embedPassages([question, BGE_QUERY_PREFIX + question]);
    prefixedPassage?.forEach((value, d) => expect(query[d]).toBeCloseTo(value, 5));
    expect(cosine(query, asPassage ?? [])).toBeLessThan(0.999);
  });

  it('finds a hub model id placed under the cache folder without the network, and honours a configured pooling', { timeout: 15_000 }, async () => {
    await cp(modelDir, path.join(cacheDir, 'Xenova', 'bge-small-en-v1.5'), { recursive: true });
    const embedder = await open({ model: 'Xenova/bge-small-en-v1.5', modelDir: undefined, pooling: 'mean' });
    expect(embedder.info).toEqual({ modelId: 'Xenova/bge-small-en-v1.5', dims: 32, pooling: 'mean', dtype: 'q8', queryPrefix: BGE_QUERY_PREFIX });
    expect(norm(await embedder.embedQuery('sharpness'))).toBeCloseTo(1, 5);
  });
});

describe('createTransformersEmbedder when the model cannot be had', () => {
  it('fails at once, naming the model and the fix, when it is not on disk and downloads are off', { timeout: 5_000 }, async () => {
    const started = Date.now();
    const error = await failure(open({ model: 'Xenova/all-MiniLM-L6-v2', modelDir: undefined, allowRemote: false }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isUserError(error) && error.code).toBe('E_MODEL_UNAVAILABLE');
    const message = String((error as Error).message);
    expect(message).toContain('Xenova/all-MiniLM-L6-v2');
    expect(message).toContain('EMBEDDING_MODEL_DIR');
    expect(message).toContain(path.join(cacheDir, 'Xenova', 'all-MiniLM-L6-v2'));
    expect(message).toContain('EMBEDDINGS=lexical');
    // One sentence: it ends with the only full stop.
    expect(message).toMatch(/\.$/);
    expect(message).not.toMatch(/\.\s+\S/);
  });

  it('gives up within the load timeout when the hub accepts connections and never answers', { timeout: 15_000 }, async () => {
    const sockets = new Set<net.Socket>();
    const silentHub = net.createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silentHub.listen(0, '127.0.0.1', resolve));
    const { port } = silentHub.address() as net.AddressInfo;
    const previousHost = env.remoteHost;
    env.remoteHost = `http://127.0.0.1:${port}/`;
    try {
      const loadTimeoutMs = 1_500;
      const started = Date.now();
      const error = await failure(open({ model: 'Xenova/paraphrase-MiniLM-L3-v2', modelDir: undefined, allowRemote: true, loadTimeoutMs }));
      const elapsed = Date.now() - started;

      expect(sockets.size).toBeGreaterThan(0);
      expect(elapsed).toBeGreaterThanOrEqual(loadTimeoutMs - 50);
      expect(elapsed).toBeLessThan(loadTimeoutMs + 1_000);
      expect(isUserError(error) && error.code).toBe('E_MODEL_UNAVAILABLE');
      expect(String((error as Error).message)).toMatch(/Xenova\/paraphrase-MiniLM-L3-v2.*did not load within 1\.5 s \(the model hub did not answer\).*EMBEDDINGS=lexical/);
    } finally {
      env.remoteHost = previousHost;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silentHub.close(() => resolve()));
    }
  });

  it('says the hub is unreachable when nothing listens there', { timeout: 10_000 }, async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const previousHost = env.remoteHost;
    env.remoteHost = `http://127.0.0.1:${port}/`;
    try {
      const error = await failure(open({ model: 'Xenova/all-mpnet-base-v2', modelDir: undefined, allowRemote: true, loadTimeoutMs: 5_000 }));
      expect(isUserError(error) && error.code).toBe('E_MODEL_UNAVAILABLE');
      expect(String((error as Error).message)).toMatch(/all-mpnet-base-v2.*model hub is unreachable \(ECONNREFUSED\)/);
    } finally {
      env.remoteHost = previousHost;
    }
  });
});

describe('resolveModelProfile', () => {
  it('knows bge and sentence-transformers models and lets a configured pooling win', () => {
    expect(resolveModelProfile('Xenova/bge-small-en-v1.5')).toEqual({ pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX });
    expect(resolveModelProfile('BAAI/bge-base-en-v1.5')).toEqual({ pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX });
    expect(resolveModelProfile('Xenova/all-MiniLM-L6-v2')).toEqual({ pooling: 'mean', queryPrefix: '' });
    expect(resolveModelProfile('sentence-transformers/some-new-model')).toEqual({ pooling: 'mean', queryPrefix: '' });
    expect(resolveModelProfile('someone/unknown-model')).toEqual({ pooling: 'mean', queryPrefix: '' });
    expect(resolveModelProfile('Xenova/bge-small-en-v1.5', 'mean')).toEqual({ pooling: 'mean', queryPrefix: BGE_QUERY_PREFIX });
  });
});
