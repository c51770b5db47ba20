/**
 * Nearest-neighbour search over passage vectors, and the writable index a build fills. hnswlib implements
 * both (hnsw-vector-index.ts among the adapters); another vector store could replace it without touching
 * retrieval or the build.
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

export interface WritableVectorIndex extends VectorIndex {
  /** Slots used, deleted vectors included (a graph index reclaims them only when rebuilt). */
  readonly slots: number;
  add(label: number, vector: readonly number[]): void;
  /** Hides a vector from search; false when the label is not in the index. */
  remove(label: number): boolean;
  /** Makes room for `slots` vectors in all, so that inserting up to there never grows the index piecemeal. */
  reserve(slots: number): void;
  /** Writes the index into the build folder `dir`. */
  save(dir: string): void;
}
