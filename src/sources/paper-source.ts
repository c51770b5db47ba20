/**
 * What a paper source (arXiv today; OpenAlex, Semantic Scholar or a journal's RSS feed later) hands to the
 * corpus: records in the corpus's own JSONL shape, each saying whether it announces a paper or replaces a
 * version of one, plus how many requests it took and what went wrong on the way. A new source is one more
 * file that returns a SourceBatch; merging into the corpus and writing files are shared.
 */

/** One paper as a source describes it, in the corpus-file field names (written as one JSONL line). */
export interface SourceRecord {
  title: string | null;
  authors: string[];
  year: number | null;
  venue: string | null;
  /** The paper's landing page (arXiv: the abs page, without version). */
  url: string | null;
  /** arXiv id without version (`2203.01250`, `hep-ex/0307015`). */
  arxiv_id: string | null;
  doi: string | null;
  categories: string[];
  /** The category the authors filed it under, when the source says which (arXiv's API does, its RSS feed does not). */
  primary_category?: string | null;
  /** The day the source announced it (YYYY-MM-DD), when it says. */
  announced: string | null;
  /** The day the first version appeared (YYYY-MM-DD), when the source says. */
  published?: string | null;
  abstract: string;
}

/**
 * `new`: first appearance (a paper already known adds nothing); `replace`: a newer version (a known paper is
 * updated in place, an unknown one added). arXiv's `cross` and `replace-cross` map onto these.
 */
export type RecordKind = 'new' | 'replace';

export interface SourceItem {
  kind: RecordKind;
  record: SourceRecord;
  /** The folder (under the source's own corpus folder) its file goes in, e.g. the arXiv category. */
  shelf: string;
}

export interface SourceBatch {
  items: SourceItem[];
  /** Items the source could not use (no abstract, no id), one sentence each. */
  skipped: string[];
  requests: number;
  /** Set when the source says there is nothing today (arXiv's weekend and holiday feeds). */
  nothingToday?: string;
}
