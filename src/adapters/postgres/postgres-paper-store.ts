/**
 * The index's papers and passages on PostgreSQL, for reading: the same answers as the SQLite/FTS5 store
 * (src/adapters/store/index-database.ts) from PostgreSQL's full-text search. Each passage keeps a weighted
 * tsvector (its paper's title and aliases weight A, its own text weight B: FTS5's bm25 weights 2:1, via
 * ts_rank_cd's weight array) and each paper one of its names (id A, aliases B, label and title C, authors D,
 * in the proportions of the FTS5 name index's 8:6:4:1), both with GIN indexes.
 *
 * Where the two differ, and what this does about it:
 * - ts_rank_cd knows nothing of how rare a word is, which BM25 is mostly about (FaMUS must outrank
 *   "training"). So lexicalSearch ranks each passage by the sum, over the terms it contains, of the term's
 *   BM25 IDF (from documentFrequencies, cached) times ts_rank_cd of that term, length-normalized.
 * - PostgreSQL's English stemmer is Snowball's Porter2, FTS5's is the original Porter: they mostly agree
 *   ("approximate", "approximations" → approxim; "training" → train) and differ on some suffixes
 *   ("generalization": porter gener, Porter2 general). Both sides of a match go through the same stemmer, so
 *   what differs is only which rare words share a stem. The configuration keeps stop words, as FTS5 does.
 * - Text is split into words by wordTokens before PostgreSQL sees it (Chinese and Japanese by word, "2104.01234"
 *   as two numbers, as FTS5's unicode61 splits), and Latin diacritics are folded ("naïve" matches "naive", FTS5's
 *   remove_diacritics), on both the stored and the asked side.
 *
 * A question costs a handful of statements: lookups of many ids or terms pass them as one array parameter.
 */
import type { LexicalHit, StoredPaper, StoredPassage } from '../../core/retrieval/paper-store.ts';
import { wordTokens } from '../../core/text.ts';

/** What the stores run their statements on: the pool (readers) or a build's own connection (postgres-build-catalog.ts). */
export interface Sql {
  query<Row extends object>(text: string, values?: readonly unknown[]): Promise<Row[]>;
}

/** What sentences call the store (FileDamage.file). */
export const PAPERS_TABLE = 'the papers table in PostgreSQL';

/** Words as FTS5's tokenizers see them, Latin diacritics folded: what both the stored and the asked side go through. */
export function searchWords(text: string): string {
  return wordTokens(text)
    .map((w) => w.normalize('NFD').replace(/(\p{Script=Latin})\p{M}+/gu, '$1').normalize('NFC'))
    .join(' ');
}

/** ts_rank_cd's weights for D, C, B, A: a title word counts twice a text word, as FTS5's bm25(2.0, 1.0). */
const PASSAGE_WEIGHTS = '{0.1, 0.2, 0.5, 1.0}';
/** Authors 1, label and title 4, aliases 6, ids 8 (of 8), as the FTS5 name index's bm25 weights. */
const NAME_WEIGHTS = '{0.125, 0.5, 0.75, 1.0}';

/** Each term of an array parameter as a query of the stemmed configuration, with its 1-based position. */
const TERMS = `unnest($1::text[]) WITH ORDINALITY AS u(term, i) CROSS JOIN LATERAL plainto_tsquery('paperbot_english', u.term) AS q`;

export const COUNTS_SQL = 'SELECT (SELECT count(*)::int FROM papers) AS papers, (SELECT count(*)::int FROM passages) AS passages';

const SQL = {
  lexicalSearch: `SELECT p.id::float8 AS id, p.paper_id AS "paperId", sum(w.idf * ts_rank_cd('${PASSAGE_WEIGHTS}', p.words, q, 1))::float8 AS score
    FROM ${TERMS} JOIN unnest($2::float8[]) WITH ORDINALITY AS w(idf, i) ON w.i = u.i
    JOIN passages p ON p.words @@ q
    GROUP BY p.id ORDER BY score DESC, p.id LIMIT $3`,
  documentFrequencies: `SELECT u.i::int AS i, (SELECT count(*)::int FROM passages p WHERE p.words @@ q) AS n FROM ${TERMS}`,
  matchedTerms: `SELECT u.i::int AS i, p.id::float8 AS id FROM ${TERMS} JOIN passages p ON p.words @@ q WHERE p.id = ANY($2::bigint[])`,
  passages: 'SELECT id::float8 AS id, paper_id AS "paperId", ord, text FROM passages WHERE id = ANY($1::bigint[])',
  passageIdsOf: 'SELECT id::float8 AS id FROM passages WHERE paper_id = $1 ORDER BY ord',
  hashes: 'SELECT id, source, content_hash AS "contentHash", text_hash AS "textHash" FROM papers',
  paper: 'SELECT * FROM papers WHERE id = $1',
  papers: 'SELECT * FROM papers WHERE id = ANY($1::text[])',
  allPapers: 'SELECT * FROM papers ORDER BY position',
  firstPapers: 'SELECT * FROM papers ORDER BY position LIMIT $1',
  findPapers: `SELECT p.* FROM papers p, to_tsquery('paperbot_names', $1) AS q WHERE p.names @@ q
    ORDER BY ts_rank_cd('${NAME_WEIGHTS}', p.names, q) DESC, p.position LIMIT $2`,
};

interface PaperRow {
  id: string;
  label: string;
  title: string | null;
  authors: string[];
  year: number | null;
  venue: string | null;
  url: string | null;
  doi: string | null;
  arxiv_id: string | null;
  primary_category: string | null;
  abstract: string;
  aliases: string[];
  source: string;
  content_hash: string;
  text_hash: string;
  added_at: Date;
}

export class PostgresPaperStore {
  /** A reader's build never changes (a new build is opened as a new store); the writer clears this whenever it writes. */
  protected readonly dfCache = new Map<string, number>();
  protected countsCache: { papers: number; passages: number } | undefined;

  constructor(protected readonly sql: Sql) {}

  /** Run before every read: nothing to do for a reader (the writer sends what it has buffered). */
  protected async ready(): Promise<void> {}

  async counts(): Promise<{ papers: number; passages: number }> {
    await this.ready();
    this.countsCache ??= (await this.sql.query<{ papers: number; passages: number }>(COUNTS_SQL))[0] ?? { papers: 0, passages: 0 };
    return this.countsCache;
  }

  /** Passages containing any of `terms`, best first: each term's BM25 IDF times its ts_rank_cd, summed; positive. */
  async lexicalSearch(terms: readonly string[], limit: number): Promise<LexicalHit[]> {
    if (terms.length === 0) return [];
    const df = await this.documentFrequencies(terms);
    const total = (await this.counts()).passages;
    const idf = terms.map((t) => Math.log(1 + (total - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5)));
    return this.sql.query<LexicalHit>(SQL.lexicalSearch, [terms.map(searchWords), idf, limit]);
  }

  /** In how many passages each term occurs (after stemming), cached per term. */
  async documentFrequencies(terms: readonly string[]): Promise<Map<string, number>> {
    await this.ready();
    const missing = [...new Set(terms.filter((t) => !this.dfCache.has(t)))];
    if (missing.length > 0) {
      const rows = await this.sql.query<{ i: number; n: number }>(SQL.documentFrequencies, [missing.map(searchWords)]);
      for (const { i, n } of rows) this.dfCache.set(missing[i - 1] as string, n);
    }
    return new Map(terms.map((t) => [t, this.dfCache.get(t) ?? 0]));
  }

  /** For each passage id, which of `terms` it contains (after stemming). */
  async matchedTerms(terms: readonly string[], passageIds: readonly number[]): Promise<Map<number, Set<string>>> {
    const result = new Map<number, Set<string>>(passageIds.map((id) => [id, new Set<string>()]));
    if (passageIds.length === 0 || terms.length === 0) return result;
    await this.ready();
    const rows = await this.sql.query<{ i: number; id: number }>(SQL.matchedTerms, [terms.map(searchWords), passageIds]);
    for (const { i, id } of rows) result.get(id)?.add(terms[i - 1] as string);
    return result;
  }

  /** Every paper's hashes and source line, without its text: what an incremental build compares the corpus with. */
  async paperHashes(): Promise<Map<string, { source: string; contentHash: string; textHash: string }>> {
    await this.ready();
    const rows = await this.sql.query<{ id: string; source: string; contentHash: string; textHash: string }>(SQL.hashes);
    return new Map(rows.map((r) => [r.id, { source: r.source, contentHash: r.contentHash, textHash: r.textHash }]));
  }

  /** The passages with these ids, in the order asked; unknown ids are left out. */
  async getPassages(ids: readonly number[]): Promise<StoredPassage[]> {
    if (ids.length === 0) return [];
    await this.ready();
    const byId = new Map((await this.sql.query<StoredPassage>(SQL.passages, [ids])).map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async passageIdsOf(paperId: string): Promise<number[]> {
    await this.ready();
    return (await this.sql.query<{ id: number }>(SQL.passageIdsOf, [paperId])).map((r) => r.id);
  }

  async getPaper(id: string): Promise<StoredPaper | undefined> {
    await this.ready();
    const [row] = await this.sql.query<PaperRow>(SQL.paper, [id]);
    return row === undefined ? undefined : toPaper(row);
  }

  async getPapers(ids: readonly string[]): Promise<Map<string, StoredPaper>> {
    if (ids.length === 0) return new Map();
    await this.ready();
    const rows = await this.sql.query<PaperRow>(SQL.papers, [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, toPaper(r)]));
  }

  /** Every paper in corpus order (the digest walks these). */
  async allPapers(): Promise<StoredPaper[]> {
    await this.ready();
    return (await this.sql.query<PaperRow>(SQL.allPapers)).map(toPaper);
  }

  /** Papers whose label, title, aliases, authors or id start with the words typed so far (the last word as a prefix), best first. */
  async findPapers(query: string, limit: number): Promise<StoredPaper[]> {
    await this.ready();
    const words = searchWords(query).split(' ').filter(Boolean);
    if (words.length === 0) return (await this.sql.query<PaperRow>(SQL.firstPapers, [limit])).map(toPaper);
    // Words are letters and digits only (wordTokens), so they cannot be tsquery syntax.
    const match = words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ');
    return (await this.sql.query<PaperRow>(SQL.findPapers, [match, limit])).map(toPaper);
  }

  /** Nothing to release: the connections belong to the pool (or the build). */
  async close(): Promise<void> {}
}

function toPaper(row: PaperRow): StoredPaper {
  return {
    id: row.id,
    label: row.label,
    title: row.title,
    authors: row.authors,
    year: row.year,
    venue: row.venue,
    url: row.url,
    doi: row.doi,
    arxivId: row.arxiv_id,
    primaryCategory: row.primary_category,
    abstract: row.abstract,
    aliases: row.aliases,
    source: row.source,
    contentHash: row.content_hash,
    textHash: row.text_hash,
    addedAt: row.added_at.toISOString(),
  };
}
