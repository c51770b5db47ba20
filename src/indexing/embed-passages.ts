/**
 * The embedding step of an index build: every passage without a vector is embedded in batches and added to the
 * vector index, batch by batch, while the next batch is already embedding; the store records what has a vector
 * after each batch. Reports progress (passages per second, time left).
 */
import type { Embedder } from '../core/retrieval/embedder.ts';
import type { PassageToEmbed, WritablePaperStore } from '../core/retrieval/paper-store.ts';
import type { WritableVectorIndex } from '../core/retrieval/vector-index.ts';

export interface BuildProgress {
  done: number;
  total: number;
  /** Passages per second so far. */
  rate: number;
  etaSeconds: number;
}

export interface EmbedPassagesOptions {
  todo: readonly PassageToEmbed[];
  embedder: Embedder;
  vectors: WritableVectorIndex;
  store: WritablePaperStore;
  /** Passages handed to the embedder per call (and added to the index per call). */
  batchSize: number;
  onProgress?: ((progress: BuildProgress) => void) | undefined;
}

/** Embeds `todo` into `vectors`; returns how many passages were embedded. */
export async function embedPassages({ todo, embedder, vectors, store, batchSize, onProgress }: EmbedPassagesOptions): Promise<number> {
  let embedded = 0;
  const t0 = Date.now();
  onProgress?.({ done: 0, total: todo.length, rate: 0, etaSeconds: 0 });
  // The next batch is embedding (in the worker pool or ONNX threads) while this one goes into the index and the store.
  const startBatch = (start: number) => {
    const batch = todo.slice(start, start + batchSize);
    const pending = embedder.embedPassages(batch.map((p) => p.text));
    pending.catch(() => undefined); // awaited in turn; must not be an unhandled rejection if the build fails first
    return { batch, pending };
  };
  let next = todo.length > 0 ? startBatch(0) : null;
  for (let i = 0; next !== null; i += batchSize) {
    const { batch, pending } = next;
    const batchVectors = await pending;
    next = i + batchSize < todo.length ? startBatch(i + batchSize) : null;
    await vectors.addBatch(batch.map((p, j) => ({ label: p.id, vector: batchVectors[j] as number[] })));
    await store.markEmbedded(batch.map((p) => p.id));
    embedded += batch.length;
    const rate = embedded / Math.max(0.001, (Date.now() - t0) / 1000);
    onProgress?.({ done: embedded, total: todo.length, rate, etaSeconds: (todo.length - embedded) / Math.max(rate, 1e-9) });
  }
  return embedded;
}
