/**
 * What retrieval, answering and the index build need from the text store: the ports a backend implements
 * (SQLite/FTS5: index-database.ts and index-database-writer.ts among the adapters; PostgreSQL). Every
 * method returns an Awaitable and callers await it: SQLite answers at once, PostgreSQL over the network.
 * Core tests use an in-memory fake (memory-paper-store.fixture.ts).
 */
import type { Awaitable } from '../awaitable.ts';
import type { Paper } from '../corpus/paper.ts';

export interface StoredPaper extends Paper {
  /** When this paper first entered the index (ISO time): the digest's notion of "new". */
  addedAt: string;
}

export interface StoredPassage {
  id: number;
  paperId: string;
  ord: number;
  text: string;
}

export interface LexicalHit {
  id: number;
  paperId: string;
  /** BM25, higher is better. */
  score: number;
}

/** Reading: one question, one paper lookup or one digest at a time. Lookups take many ids or terms at once. */
export interface PaperStore {
  counts(): Awaitable<{ papers: number; passages: number }>;
  /** Passages containing any of `terms`, best first. */
  lexicalSearch(terms: readonly string[], limit: number): Awaitable<LexicalHit[]>;
  /** In how many passages each of `terms` occurs (after the store's stemming). */
  documentFrequencies(terms: readonly string[]): Awaitable<Map<string, number>>;
  /** For each passage id, which of `terms` it contains. */
  matchedTerms(terms: readonly string[], passageIds: readonly number[]): Awaitable<Map<number, Set<string>>>;
  /** The passages with these ids, in the order asked; unknown ids are left out. */
  getPassages(ids: readonly number[]): Awaitable<StoredPassage[]>;
  passageIdsOf(paperId: string): Awaitable<number[]>;
  getPaper(id: string): Awaitable<Paper | undefined>;
  getPapers(ids: readonly string[]): Awaitable<Map<string, Paper>>;
  /** Papers whose names start with the words typed so far, best first (autocomplete, `/paper`). */
  findPapers(query: string, limit: number): Awaitable<Paper[]>;
  /** Every paper in corpus order, with the time it entered the index (the digest walks these). */
  allPapers(): Awaitable<StoredPaper[]>;
}

/** A passage waiting for its vector. */
export interface PassageToEmbed {
  id: number;
  paperId: string;
  text: string;
}

/**
 * Writing, for the index build. Passage ids double as vector labels, so a store must never reuse one: a
 * label deleted from the vector index can then never come back meaning another passage.
 */
export interface WritablePaperStore extends PaperStore {
  /** Hashes of every stored paper, to decide what a build must add, update, embed or remove. */
  paperHashes(): Awaitable<Map<string, { contentHash: string; textHash: string }>>;
  /**
   * Inserts or replaces a paper. Its passages are replaced only when `passages` is given (the text
   * changed); returns the ids of the passages it removed (their vectors must leave the vector index).
   */
  upsertPaper(paper: Paper, options: { addedAt: string; position: number; passages?: readonly string[] }): Awaitable<number[]>;
  /** Removes a paper and its passages; returns the removed passage ids. */
  removePaper(id: string): Awaitable<number[]>;
  /** Passages that have no vector yet, in id order. */
  passagesToEmbed(): Awaitable<PassageToEmbed[]>;
  markEmbedded(ids: readonly number[]): Awaitable<void>;
  /** Forget all vectors (the model changed or the vectors were lost): every passage will be embedded again. */
  markAllUnembedded(): Awaitable<void>;
  embeddedPassageIds(): Awaitable<number[]>;
  /** `fn` all or nothing (nothing else uses the writer while it runs). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Awaitable<void>;
}
