/**
 * What the index build and the open index need from a storage backend: where builds are kept and which one
 * answers (the BuildCatalog), and each build's text store and vector index. The build and the reader only see
 * these ports, keyed by the catalog's build handles (a folder for SQLite/hnswlib, sqlite-hnsw-backend.ts among
 * the adapters; "pg:<id>" for PostgreSQL), chosen by the composition root. A build stays atomic: nothing of it
 * is visible until the catalog publishes it.
 */
import type { Awaitable } from '../core/awaitable.ts';
import type { PaperStore, WritablePaperStore } from '../core/retrieval/paper-store.ts';
import type { WritableVectorIndex } from '../core/retrieval/vector-index.ts';
import type { Manifest } from './manifest.ts';

/**
 * What a cheap check found wrong with one file of a build: `what` and `problem` end a sentence ("the index
 * store /…/papers.sqlite is not a SQLite database"). The build then rebuilds instead of trusting the file.
 */
export interface FileDamage {
  what: 'manifest' | 'store' | 'vectors';
  /** A name for sentences: the file's path (SQLite/hnswlib), "the papers table in PostgreSQL". */
  file: string;
  /** What is wrong, as the end of a sentence: "is not a SQLite database", "holds 3 papers, its manifest says 11". */
  problem: string;
}

/** The damage as the middle of a sentence: "store /…/papers.sqlite is not a SQLite database". */
export function describeDamage({ what, file, problem }: FileDamage): string {
  return `${what} ${file} ${problem}`;
}

/** A build's file that cannot be used, found while reading it (the backend names the file, the reader the index). */
export class DamagedFileError extends Error {
  override readonly name = 'DamagedFileError';
  constructor(
    readonly damage: FileDamage,
    options?: { cause?: unknown },
  ) {
    super(`the index ${describeDamage(damage)}`, options);
  }
}

/** A finished build's store, open for questions. */
export interface OpenPaperStore extends PaperStore {
  /** Every paper's hashes and source line (`file:line`), for the next incremental build. */
  paperHashes(): Awaitable<Map<string, { source: string; contentHash: string; textHash: string }>>;
  close(): Awaitable<void>;
}

/** Where builds are kept and which one answers: folders + CURRENT (SQLite/hnswlib), one catalog row (PostgreSQL). */
export interface BuildCatalog {
  /** Said in sentences: the index folder ("data/index"), or "the PostgreSQL database postgres://user@host:5432/paperbot" (no password). */
  readonly location: string;
  /**
   * Builds from several machines may land here (PostgreSQL): each reads its own local corpus folder, so a build
   * must not silently remove the papers of a build made from another. Absent: one machine's folder (SQLite/hnswlib).
   */
  readonly sharedByMachines?: boolean;
  /**
   * A published build replaces the previous build's data in place (PostgreSQL: one set of live tables), so a
   * reader that cannot open the new build cannot go on searching the old one's vectors either: they are the new
   * build's now. Absent: every build keeps its own files until it is removed (SQLite/hnswlib).
   */
  readonly replacesInPlace?: boolean;
  /** The current build's handle (its folder; PostgreSQL: "pg:<buildId>"), or null before the first build. Cheap: a reader calls it before each question to follow new builds. */
  current(): Promise<string | null>;
  /** One build at a time: throws UserError E_BUILD_RUNNING saying who holds the lock. Resolves to its release. */
  lock(): Promise<() => Promise<void>>;
  /** The manifest text of build `build`, or what is wrong with it; `name` is what a sentence calls it (the file's path, or "the manifest row in PostgreSQL"). */
  readManifest(build: string): Promise<{ name: string; text: string } | { name: string; problem: string }>;
  /** Starts build `buildId`: the handle the stores of the new build are created/copied under (SQLite: builds/<id>.partial). */
  begin(buildId: string): Promise<string>;
  /** Makes the started build current with its manifest. Returns its final handle. */
  publish(started: string, manifestText: string): Promise<string>;
  /** Throws away a started build that failed. */
  discard(started: string): Promise<void>;
  /** Removes what is left of other builds (old folders, killed partial builds). */
  removeStale(): Promise<void>;
  /** The corpus-lines record (corpus-lines.ts's JSON text) of a build, or null when it has none. */
  readLines(build: string): Promise<string | null>;
  /** Writes the corpus-lines record into a started build. */
  writeLines(started: string, text: string): Promise<void>;
}

export interface PaperStoreFactory {
  /** A new, empty store for the started build `build`. */
  create(build: string): Awaitable<WritablePaperStore>;
  /** The store of build `from`, as the started build `to`'s, open for writing (an incremental build). */
  copy(from: string, to: string): Awaitable<WritablePaperStore>;
  /** The store of the finished build `build`; one of another schema is refused, saying to run `npm run index`. */
  open(build: string): Awaitable<OpenPaperStore>;
  /**
   * What is wrong with the store of build `build`, or null when it looks sound: cheap (its header, its size
   * and the row counts the manifest recorded), so every open and every up-to-date build can afford it.
   * `thorough` also reads every page (seconds at 100k papers), for when a build found damage the cheap check missed.
   */
  check(build: string, expected: { papers: number; passages: number }, options?: { thorough?: boolean }): Awaitable<FileDamage | null>;
}

export interface VectorIndexFactory {
  /** The parameters recorded in the manifest: vectors are reused only by a build with the same ones. */
  readonly params: NonNullable<Manifest['hnsw']>;
  /** An empty index for the started build `started`, with room for `capacity` vectors. */
  create(started: string, options: { dims: number; capacity: number }): Awaitable<WritableVectorIndex>;
  /** Whether build `build` holds saved vectors (cheap: nothing is loaded). */
  exists(build: string): Awaitable<boolean>;
  /**
   * The vectors saved in build `build`, or null when it has none. `live`: its vectors not deleted. `into`: the
   * started build that carries them over (PostgreSQL writes them inside its transaction); absent: for reading.
   */
  load(build: string, options: { dims: number; live: number; into?: string }): Awaitable<WritableVectorIndex | null>;
  /** What is wrong with the saved vectors of build `build` (missing, cut short, other dimensions or count), or null. Cheap: nothing is loaded. */
  check(build: string, expected: { dims: number; slots: number }): Awaitable<FileDamage | null>;
}

export interface IndexBackend {
  catalog: BuildCatalog;
  /** Keyed by the catalog's handles. */
  papers: PaperStoreFactory;
  vectors: VectorIndexFactory;
  /** Closes pools and connections the backend holds (SQLite/hnswlib: nothing). */
  close(): Promise<void>;
}
