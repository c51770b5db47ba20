/**
 * What retrieval and answering need from the text store. The SQLite/FTS5 implementation is
 * src/adapters/store/index-database.ts; unit tests use small in-memory fakes.
 */
import type { Paper } from '../corpus/paper.ts';

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

export interface PaperStore {
  counts(): { papers: number; passages: number };
  lexicalSearch(terms: readonly string[], limit: number): LexicalHit[];
  documentFrequency(term: string): number;
  matchedTerms(terms: readonly string[], passageIds: readonly number[]): Map<number, Set<string>>;
  getPassages(ids: readonly number[]): StoredPassage[];
  passageIdsOf(paperId: string): number[];
  getPaper(id: string): Paper | undefined;
  getPapers(ids: readonly string[]): Map<string, Paper>;
  findPapers(query: string, limit: number): Paper[];
}
