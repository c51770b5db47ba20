/** The one batching function: length-sorted batches, vectors back in the texts' order, a short answer refused. */
import { describe, expect, it } from 'vitest';
import { checkBatchSize, embedInBatches } from './embed-in-batches.ts';

/** A fake model whose "vector" for a text is its length, recording the batches it was given. */
function lengthModel() {
  const calls: string[][] = [];
  const embedBatch = async (texts: string[]) => {
    calls.push(texts);
    return texts.map((t) => [t.length]);
  };
  return { calls, embedBatch };
}

describe('embedInBatches', () => {
  it('hands the model batches of similar length and returns the vectors in the order of the texts', async () => {
    const model = lengthModel();
    const texts = ['ccc', 'a', 'dddd', 'bb', 'eeeee'];

    const vectors = await embedInBatches(texts, { batchSize: 2, embedBatch: model.embedBatch });

    expect(model.calls).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    expect(vectors).toEqual([[3], [1], [4], [2], [5]]);
  });

  it('hands over every batch at once when concurrent, one after the other otherwise', async () => {
    let running = 0;
    let most = 0;
    const embedBatch = async (texts: string[]) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return texts.map(() => [0]);
    };

    await embedInBatches(['a', 'b', 'c'], { batchSize: 1, embedBatch });
    expect(most).toBe(1);
    await embedInBatches(['a', 'b', 'c'], { batchSize: 1, embedBatch, concurrent: true });
    expect(most).toBe(3);
  });

  it('fails when the model returns another number of vectors than it was given texts', async () => {
    const outcome = embedInBatches(['a', 'b'], { batchSize: 2, embedBatch: async () => [[1]] });

    await expect(outcome).rejects.toThrow('The embedding model returned 1 vectors for 2 texts.');
  });

  it('accepts only a positive whole batch size', () => {
    expect(() => checkBatchSize(0)).toThrow(RangeError);
    expect(() => checkBatchSize(1.5)).toThrow(RangeError);
    expect(() => checkBatchSize(8)).not.toThrow();
  });
});
