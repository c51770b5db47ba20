/**
 * Exact nearest neighbours in plain JS, the baseline HNSW is measured against: the same vectors in one
 * Float32Array, a dot product per passage (vectors are unit length, so it is the cosine), a full sort-free
 * top-k. It implements VectorIndex, so the whole retrieval can run on it unchanged.
 */
import type { VectorHit, VectorIndex } from '../src/core/retrieval/vector-index.ts';

export class BruteForceIndex implements VectorIndex {
  readonly dims: number;
  private readonly labels: number[];
  private readonly matrix: Float32Array;

  constructor(dims: number, entries: ReadonlyArray<{ label: number; vector: readonly number[] }>) {
    this.dims = dims;
    this.labels = entries.map((e) => e.label);
    this.matrix = new Float32Array(entries.length * dims);
    entries.forEach((e, i) => this.matrix.set(e.vector, i * dims));
  }

  get size(): number {
    return this.labels.length;
  }

  search(vector: readonly number[], k: number): VectorHit[] {
    const { dims, matrix } = this;
    const n = this.labels.length;
    const q = Float32Array.from(vector);
    // A small sorted buffer of the best k: cheaper than sorting all n scores.
    const best: { index: number; score: number }[] = [];
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const offset = i * dims;
      for (let d = 0; d < dims; d++) dot += (matrix[offset + d] ?? 0) * (q[d] ?? 0);
      if (best.length < k || dot > (best[best.length - 1]?.score ?? -Infinity)) {
        let at = best.length;
        while (at > 0 && (best[at - 1]?.score ?? 0) < dot) at--;
        best.splice(at, 0, { index: i, score: dot });
        if (best.length > k) best.pop();
      }
    }
    return best.map((b) => ({ label: this.labels[b.index] ?? -1, similarity: b.score }));
  }

  getVector(label: number): number[] | undefined {
    const i = this.labels.indexOf(label);
    return i === -1 ? undefined : Array.from(this.matrix.subarray(i * this.dims, (i + 1) * this.dims));
  }
}
