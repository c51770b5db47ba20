/**
 * What the corpus is made of. A Paper is one record of a corpus file; a Passage is the unit that is embedded,
 * searched and cited (an abstract is one passage; longer texts are chunked).
 */
export interface Paper {
  /** Stable id: the given id, `arxiv:<id>`, `doi:<doi>`, else `h:<hash of the normalized abstract>`. */
  id: string;
  /** The title when known, else a label derived from the text (never invented metadata). */
  label: string;
  title: string | null;
  authors: string[];
  year: number | null;
  venue: string | null;
  url: string | null;
  doi: string | null;
  arxivId: string | null;
  /** The arXiv category the paper was filed under (`cs.LG`), when its source said (`primary_category`); cited as BibTeX's primaryClass. */
  primaryCategory: string | null;
  abstract: string;
  /** Acronyms and method names the abstract introduces (e.g. FaMUS, VaSSO), for lookup. */
  aliases: string[];
  /** `<file>:<line>`, 1-based, the file relative to the corpus folder. */
  source: string;
  /** Hash of everything stored about the paper; a change means the paper is updated in the index. */
  contentHash: string;
  /** Hash of the embedded text only; a change means the paper is embedded again. */
  textHash: string;
}

/**
 * A corpus line the caller already holds as a paper (an incremental index build: the same line at the same
 * place as when it was indexed), so it is not parsed again; only what deduplication and the build's diff need.
 */
export interface KnownPaper {
  known: true;
  id: string;
  source: string;
  contentHash: string;
  textHash: string;
}

export interface Passage {
  paperId: string;
  /** 0-based position of the passage within its paper. */
  ord: number;
  text: string;
}

/**
 * `invalid-field` is a warning (the field is dropped, the paper kept); every other kind skips its line, or its
 * whole file for `unreadable` and `not-text` (line 0).
 */
export type CorpusProblemKind =
  | 'invalid-json'
  | 'missing-abstract'
  | 'too-short'
  | 'too-long'
  | 'control-character'
  | 'invalid-utf8'
  | 'duplicate'
  | 'invalid-field'
  | 'unreadable'
  | 'not-text';

export interface CorpusProblem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  line: number;
  kind: CorpusProblemKind;
  message: string;
}
