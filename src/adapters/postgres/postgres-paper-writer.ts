/**
 * The index build's side of the papers and passages on PostgreSQL: upsert and remove papers with their
 * passages and search vectors, and track which passages have vectors. It writes the live tables inside the
 * build's one transaction (postgres-build-catalog.ts), so readers on other sessions see none of it until the
 * build is published. Reading is inherited from PostgresPaperStore.
 *
 * Bulk loading: a paper not in the store yet is buffered and sent with up to FLUSH_PAPERS others as two
 * multi-row INSERTs (papers, then passages, one JSON array parameter each), not a statement per row; the
 * buffer is sent before anything reads or changes existing rows, so reads always see every write.
 *
 * Passage ids come from the sequence `passage_ids`, never reset: an id is never reused, so a vector label
 * deleted with its passage can never come back meaning another one.
 */
import type { Paper } from '../../core/corpus/paper.ts';
import type { PassageToEmbed } from '../../core/retrieval/paper-store.ts';
import { PostgresPaperStore, searchWords, type Sql } from './postgres-paper-store.ts';

/** New papers sent per pair of INSERTs (about 1 MB of JSON at 1.5 KB abstracts). */
const FLUSH_PAPERS = 500;

/** The columns of a paper row in the JSON the INSERT and UPDATE statements read, with the words of its name vector. */
const PAPER_RECORD = `jsonb_to_recordset($1::jsonb) AS r(id text, label text, title text, authors jsonb, year int, venue text, url text, doi text,
  arxiv_id text, primary_category text, abstract text, aliases jsonb, source text, content_hash text, text_hash text, added_at timestamptz,
  position int, ident_words text, alias_words text, name_words text, author_words text)`;
const NAMES = `setweight(to_tsvector('paperbot_names', r.ident_words), 'A') || setweight(to_tsvector('paperbot_names', r.alias_words), 'B')
  || setweight(to_tsvector('paperbot_names', r.name_words), 'C') || setweight(to_tsvector('paperbot_names', r.author_words), 'D')`;

const SQL = {
  ids: 'SELECT id FROM papers',
  insertPapers: `INSERT INTO papers (id, label, title, authors, year, venue, url, doi, arxiv_id, primary_category, abstract, aliases, source, content_hash, text_hash, added_at, position, names)
    SELECT r.id, r.label, r.title, r.authors, r.year, r.venue, r.url, r.doi, r.arxiv_id, r.primary_category, r.abstract, r.aliases, r.source, r.content_hash, r.text_hash, r.added_at, r.position, ${NAMES}
    FROM ${PAPER_RECORD}`,
  updatePaper: `UPDATE papers SET label = r.label, title = r.title, authors = r.authors, year = r.year, venue = r.venue, url = r.url, doi = r.doi, arxiv_id = r.arxiv_id,
    primary_category = r.primary_category, abstract = r.abstract, aliases = r.aliases, source = r.source, content_hash = r.content_hash, text_hash = r.text_hash,
    position = r.position, names = ${NAMES} FROM ${PAPER_RECORD} WHERE papers.id = r.id`,
  // Ids are drawn in the order the passages are listed (ORDER BY seq), so passagesToEmbed keeps corpus order.
  insertPassages: `INSERT INTO passages (paper_id, ord, text, words)
    SELECT r.paper_id, r.ord, r.text, setweight(to_tsvector('paperbot_english', r.title_words), 'A') || setweight(to_tsvector('paperbot_english', r.text_words), 'B')
    FROM jsonb_to_recordset($1::jsonb) AS r(seq int, paper_id text, ord int, text text, title_words text, text_words text) ORDER BY r.seq`,
  deletePassagesOf: 'WITH gone AS (DELETE FROM passages WHERE paper_id = $1 RETURNING id, ord) SELECT id::float8 AS id FROM gone ORDER BY ord',
  deletePaper: 'DELETE FROM papers WHERE id = $1',
  deleteAll: 'DELETE FROM papers',
  toEmbed: 'SELECT id::float8 AS id, paper_id AS "paperId", text FROM passages WHERE NOT embedded ORDER BY id',
  markEmbedded: 'UPDATE passages SET embedded = true WHERE id = ANY($1::bigint[])',
  markAllUnembedded: 'UPDATE passages SET embedded = false WHERE embedded',
  embeddedIds: 'SELECT id::float8 AS id FROM passages WHERE embedded ORDER BY id',
};

interface PendingPaper {
  record: Record<string, unknown>;
  passages: Record<string, unknown>[];
}

export class PostgresPaperWriter extends PostgresPaperStore {
  private pending: PendingPaper[] = [];
  /** Ids of the stored papers, read once: whether an upsert inserts (buffered) or updates. */
  private known: Set<string> | undefined;
  /** `failed`: a statement failed, so the transaction is aborted and closing must not send the buffer into it. */
  private readonly health: { failed: boolean };
  private savepoints = 0;
  /** The DELETE of every paper that `empty` promised and the first statement sends. */
  private emptying = false;

  private constructor(sql: Sql, health = { failed: false }) {
    super({
      query: <Row extends object>(text: string, values?: readonly unknown[]) =>
        sql.query<Row>(text, values).catch((error: unknown) => {
          health.failed = true;
          throw error;
        }),
    });
    this.health = health;
  }

  /** A writer on the stored papers (an incremental build: nothing is copied, the build writes the live rows). */
  static of(sql: Sql): PostgresPaperWriter {
    return new PostgresPaperWriter(sql);
  }

  /**
   * A writer that starts from no papers (a forced rebuild): every paper is deleted, inside the build's
   * transaction, with its first statement. Until then the build may still read the previous build's papers
   * through the pool (their entry times); forgetting the vectors of papers that will be deleted is nothing to do.
   */
  static async empty(sql: Sql): Promise<PostgresPaperWriter> {
    const writer = new PostgresPaperWriter(sql);
    writer.emptying = true;
    writer.known = new Set();
    return writer;
  }

  protected override async ready(): Promise<void> {
    await this.flush();
  }

  /** `fn` all or nothing, as a savepoint inside the build's transaction. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const name = `paperbot_${++this.savepoints}`;
    // What was written before belongs outside the savepoint: a rollback must not take it along.
    await this.flush();
    await this.sql.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await this.flush();
      await this.sql.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      this.pending = [];
      this.known = undefined;
      this.changed();
      await this.sql.query(`ROLLBACK TO SAVEPOINT ${name}`);
      this.health.failed = false;
      throw error;
    }
  }

  /**
   * Inserts or replaces a paper. Its passages are replaced only when `passages` is given (the text changed);
   * returns the ids of the passages it removed (their vectors leave with them).
   */
  async upsertPaper(paper: Paper, { addedAt, position, passages }: { addedAt: string; position: number; passages?: readonly string[] }): Promise<number[]> {
    this.known ??= new Set((await this.sql.query<{ id: string }>(SQL.ids)).map((r) => r.id));
    this.changed();
    const record = paperRecord(paper, position, addedAt);
    if (!this.known.has(paper.id)) {
      this.known.add(paper.id);
      this.pending.push({ record, passages: passageRecords(paper, passages ?? []) });
      if (this.pending.length >= FLUSH_PAPERS) await this.flush();
      return [];
    }
    await this.flush();
    const removed = passages === undefined ? [] : (await this.sql.query<{ id: number }>(SQL.deletePassagesOf, [paper.id])).map((r) => r.id);
    await this.sql.query(SQL.updatePaper, [JSON.stringify([record])]);
    if (passages !== undefined) await this.insertPassages(passageRecords(paper, passages));
    return removed;
  }

  /** Removes a paper and its passages; returns the removed passage ids. */
  async removePaper(id: string): Promise<number[]> {
    await this.flush();
    this.changed();
    const removed = (await this.sql.query<{ id: number }>(SQL.deletePassagesOf, [id])).map((r) => r.id);
    await this.sql.query(SQL.deletePaper, [id]);
    this.known?.delete(id);
    return removed;
  }

  /** Passages that have no vector yet, in id order (all at once, as the SQLite store gives them). */
  async passagesToEmbed(): Promise<PassageToEmbed[]> {
    await this.flush();
    return this.sql.query<PassageToEmbed>(SQL.toEmbed);
  }

  async markEmbedded(ids: readonly number[]): Promise<void> {
    await this.flush();
    if (ids.length > 0) await this.sql.query(SQL.markEmbedded, [ids]);
  }

  async markAllUnembedded(): Promise<void> {
    if (this.emptying) return;
    await this.flush();
    await this.sql.query(SQL.markAllUnembedded);
  }

  async embeddedPassageIds(): Promise<number[]> {
    await this.flush();
    return (await this.sql.query<{ id: number }>(SQL.embeddedIds)).map((r) => r.id);
  }

  /** Sends what is buffered, unless the transaction already failed (then there is nothing to keep). */
  override async close(): Promise<void> {
    if (!this.health.failed) await this.flush();
    this.pending = [];
  }

  /** The promised DELETE, then the buffered new papers, as one INSERT of papers and one of their passages. */
  private async flush(): Promise<void> {
    if (this.emptying) {
      this.emptying = false;
      await this.sql.query(SQL.deleteAll);
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    await this.sql.query(SQL.insertPapers, [JSON.stringify(batch.map((p) => p.record))]);
    await this.insertPassages(batch.flatMap((p) => p.passages));
  }

  /** One INSERT of passages, numbered in the order given (their ids are drawn in that order); none: no statement. */
  private async insertPassages(passages: readonly Record<string, unknown>[]): Promise<void> {
    if (passages.length > 0) await this.sql.query(SQL.insertPassages, [JSON.stringify(passages.map((p, seq) => ({ ...p, seq })))]);
  }

  private changed(): void {
    this.dfCache.clear();
    this.countsCache = undefined;
  }
}

function paperRecord(paper: Paper, position: number, addedAt: string): Record<string, unknown> {
  return {
    id: paper.id,
    label: paper.label,
    title: paper.title,
    authors: paper.authors,
    year: paper.year,
    venue: paper.venue,
    url: paper.url,
    doi: paper.doi,
    arxiv_id: paper.arxivId,
    primary_category: paper.primaryCategory,
    abstract: paper.abstract,
    aliases: paper.aliases,
    source: paper.source,
    content_hash: paper.contentHash,
    text_hash: paper.textHash,
    added_at: addedAt,
    position,
    ident_words: searchWords([paper.id, paper.doi ?? '', paper.arxivId ?? ''].join(' ')),
    alias_words: searchWords(paper.aliases.join(' ')),
    name_words: searchWords(`${paper.label} ${paper.title ?? ''}`),
    author_words: searchWords(paper.authors.join(' ')),
  };
}

function passageRecords(paper: Paper, passages: readonly string[]): Record<string, unknown>[] {
  // As in the SQLite store, a passage's title field is the paper's title and aliases (not its derived label).
  const titleWords = searchWords([paper.title ?? '', ...paper.aliases].join(' '));
  return passages.map((text, ord) => ({ paper_id: paper.id, ord, text, title_words: titleWords, text_words: searchWords(text) }));
}
