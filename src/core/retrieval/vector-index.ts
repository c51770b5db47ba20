/**
 * Nearest-neighbour search over passage vectors. hnswlib implements it (src/adapters/vector-index/); a
 * distributed vector database could replace it without touching retrieval.
 */
export interface VectorHit {
  /** The passage id. */
  label: number;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

export interface VectorIndex {
  readonly dims: number;
  /** Live (not deleted) vectors. */
  readonly size: number;
  search(vector: readonly number[], k: number): VectorHit[];
  /** The stored (normalized) vector of a passage, or undefined when absent. */
  getVector(label: number): number[] | undefined;
}
