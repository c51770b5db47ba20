/**
 * The one way passages are cut into model calls, in-process and in the worker pool: sorted by length (a
 * batch is padded to its longest text, so similar lengths waste little), cut into batches of `batchSize`,
 * and the vectors put back in the order of the texts.
 */

export interface EmbedInBatchesOptions {
  /** Texts per call; a positive whole number (see checkBatchSize). */
  batchSize: number;
  /** Embeds one batch, returning one vector per text, in order. */
  embedBatch: (texts: string[]) => Promise<number[][]>;
  /**
   * Hand every batch over at once (the worker pool queues and spreads them) instead of one after the other
   * (the in-process embedder, which lets a query slip in between two batches).
   */
  concurrent?: boolean;
}

export async function embedInBatches(texts: readonly string[], { batchSize, embedBatch, concurrent = false }: EmbedInBatchesOptions): Promise<number[][]> {
  const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  const vectors = new Array<number[]>(texts.length);
  const run = async (indices: number[]): Promise<void> => {
    const batch = await embedBatch(indices.map((i) => texts[i] ?? ''));
    if (batch.length !== indices.length) throw new Error(`The embedding model returned ${batch.length} vectors for ${indices.length} texts.`);
    indices.forEach((textIndex, j) => {
      vectors[textIndex] = batch[j] ?? [];
    });
  };
  if (concurrent) await Promise.all(batches.map(run));
  else for (const indices of batches) await run(indices);
  return vectors;
}

/** Throws a RangeError unless `batchSize` is a positive whole number. */
export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive whole number, got ${batchSize}`);
}
