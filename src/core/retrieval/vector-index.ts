/**
 * Nearest-neighbour search over passage vectors, and the writable index a build fills. hnswlib implements
 * both (hnsw-vector-index.ts among the adapters), pgvector too (the PostgreSQL backend); another vector store
 * could replace them without touching retrieval or the build. Reads and writes return an Awaitable, which
 * callers await; `dims`, `size` and `slots` are cheap properties an adapter knows after load or create.
 */
import type { Awaitable } from '../awaitable.ts';

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
  search(vector: readonly number[], k: number): Awaitable<VectorHit[]>;
  /** The stored (normalized) vector of a passage, or undefined when absent. */
  getVector(label: number): Awaitable<number[] | undefined>;
}

export interface WritableVectorIndex extends VectorIndex {
  /** Slots used, deleted vectors included (a graph index reclaims them only when rebuilt). */
  readonly slots: number;
  /** Adds a batch of vectors (the build adds one batch of embeddings at a time: one round trip, not one per vector). */
  addBatch(items: readonly { label: number; vector: readonly number[] }[]): Awaitable<void>;
  /** Hides these vectors from search; labels not in the index are ignored. Returns how many were removed. */
  removeMany(labels: readonly number[]): Awaitable<number>;
  /** Makes room for `slots` vectors in all, so that inserting up to there never grows the index piecemeal. */
  reserve(slots: number): Awaitable<void>;
  /** Makes the index durable in the started build `build` (a catalog handle: hnswlib writes its file into that folder). */
  save(build: string): Awaitable<void>;
}
