/**
 * What the index build and the open index need from a storage backend: where a build folder's text store
 * and vector index come from. The build and the reader only see these ports; the one implementation today is
 * SQLite/FTS5 + hnswlib (sqlite-hnsw-backend.ts among the adapters), chosen by the composition root. A backend
 * keeps its data in (or names it after) the build folder, so a build stays atomic: nothing of it is visible
 * until CURRENT points at its folder.
 */
import type { PaperStore, WritablePaperStore } from '../core/retrieval/paper-store.ts';
import type { WritableVectorIndex } from '../core/retrieval/vector-index.ts';
import type { Manifest } from './manifest.ts';

/**
 * What a cheap check found wrong with one file of a build: `what` and `problem` end a sentence ("the index
 * store /…/papers.sqlite is not a SQLite database"). The build then rebuilds instead of trusting the file.
 */
export interface FileDamage {
  what: 'manifest' | 'store' | 'vectors';
  file: string;
  /** What is wrong, as the end of a sentence: "is not a SQLite database", "holds 3 papers, its manifest says 11". */
  problem: string;
}

/** A build's file that cannot be used, found while reading it (the backend names the file, the reader the index). */
export class DamagedFileError extends Error {
  override readonly name = 'DamagedFileError';
  constructor(
    readonly damage: FileDamage,
    options?: { cause?: unknown },
  ) {
    super(`the index ${damage.what} ${damage.file} ${damage.problem}`, options);
  }
}

/** A finished build's store, open for questions. */
export interface OpenPaperStore extends PaperStore {
  /** Every paper's hashes and source line (`file:line`), for the next incremental build. */
  paperHashes(): Map<string, { source: string; contentHash: string; textHash: string }>;
  close(): void;
}

export interface PaperStoreFactory {
  /** A new, empty store in the build folder `dir`. */
  create(dir: string): WritablePaperStore;
  /** A copy of the store of the build in `fromDir`, in `toDir`, open for writing (an incremental build). */
  copy(fromDir: string, toDir: string): WritablePaperStore;
  /** The store of the finished build in `dir`; one of another schema is refused, saying to run `npm run index`. */
  open(dir: string): OpenPaperStore;
  /**
   * What is wrong with the store of the build in `dir`, or null when it looks sound: cheap (its header, its
   * size and the row counts the manifest recorded), so every open and every up-to-date build can afford it.
   * `thorough` also reads every page (seconds at 100k papers), for when a build found damage the cheap check missed.
   */
  check(dir: string, expected: { papers: number; passages: number }, options?: { thorough?: boolean }): FileDamage | null;
}

export interface VectorIndexFactory {
  /** The parameters recorded in the manifest: vectors are reused only by a build with the same ones. */
  readonly params: NonNullable<Manifest['hnsw']>;
  /** An empty index with room for `capacity` vectors. */
  create(options: { dims: number; capacity: number }): WritableVectorIndex;
  /** Whether the build folder `dir` holds a saved index (cheap: nothing is loaded). */
  exists(dir: string): boolean;
  /** The index saved in the build folder `dir`, or null when it has none. `live`: its vectors not deleted. */
  load(dir: string, options: { dims: number; live: number }): WritableVectorIndex | null;
  /** What is wrong with the saved index of the build in `dir` (missing, cut short, other dimensions or count), or null. Cheap: nothing is loaded. */
  check(dir: string, expected: { dims: number; slots: number }): FileDamage | null;
}

export interface IndexBackend {
  papers: PaperStoreFactory;
  vectors: VectorIndexFactory;
}
