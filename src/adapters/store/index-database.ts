/**
 * The derived text store of an index build (`papers.sqlite`): papers, their passages, and two FTS5 indexes,
 * one over passages (BM25 retrieval, porter stemming) and one over paper names (lookup and autocomplete,
 * prefix indexes). It can always be rebuilt from the corpus; precious state lives in the state database.
 *
 * Passage ids are AUTOINCREMENT integers and double as HNSW labels: an id is never reused, so a label
 * deleted from the vector index can never come back meaning another passage.
 */
import Database from 'better-sqlite3';
import type { Paper } from '../../core/corpus/paper.ts';
import type { LexicalHit, PaperStore, StoredPassage } from '../../core/retrieval/paper-store.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE papers (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  title TEXT,
  authors TEXT NOT NULL,
  year INTEGER,
  venue TEXT,
  url TEXT,
  doi TEXT,
  arxiv_id TEXT,
  abstract TEXT NOT NULL,
  aliases TEXT NOT NULL,
  source TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  text_hash TEXT NOT NULL,
  added_at TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE passages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  text TEXT NOT NULL,
  embedded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passages_by_paper ON passages(paper_id, ord);
CREATE VIRTUAL TABLE passages_fts USING fts5(title, text, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE papers_fts USING fts5(label, title, aliases, authors, ident, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
`;

interface PaperRow {
  rowid: number;
  id: string;
  label: string;
  title: string | null;
  authors: string;
  year: number | null;
  venue: string | null;
  url: string | null;
  doi: string | null;
  arxiv_id: string | null;
  abstract: string;
  aliases: string;
  source: string;
  content_hash: string;
  text_hash: string;
  added_at: string;
}

export interface StoredPaper extends Paper {
  /** When this paper first entered the index (ISO time): the digest's notion of "new". */
  addedAt: string;
}

export class IndexDatabase implements PaperStore {
  readonly db: Database.Database;
  private readonly dfCache = new Map<string, number>();

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** A new, empty database at `file` (which must not exist). */
  static create(file: string): IndexDatabase {
    const db = new Database(file);
    db.pragma('journal_mode = DELETE');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    return new IndexDatabase(db);
  }

  static open(file: string, { readonly = true }: { readonly?: boolean } = {}): IndexDatabase {
    const db = new Database(file, { readonly, fileMustExist: true });
    if (!readonly) db.pragma('foreign_keys = ON');
    const version = (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
    if (version !== String(SCHEMA_VERSION)) {
      db.close();
      throw new Error(`index database ${file} has schema ${version ?? 'unknown'}, expected ${SCHEMA_VERSION}`);
    }
    return new IndexDatabase(db);
  }

  close(): void {
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ── writing (the build) ────────────────────────────────────────────────────────────────────────────

  /** Hashes of every stored paper, to decide what a build must add, update, embed or remove. */
  paperHashes(): Map<string, { contentHash: string; textHash: string }> {
    const rows = this.db.prepare('SELECT id, content_hash, text_hash FROM papers').all() as Pick<PaperRow, 'id' | 'content_hash' | 'text_hash'>[];
    return new Map(rows.map((r) => [r.id, { contentHash: r.content_hash, textHash: r.text_hash }]));
  }

  /**
   * Inserts or replaces a paper. Its passages are replaced only when `passages` is given (the text
   * changed); returns the ids of the passages it removed (their vectors must leave the vector index).
   */
  upsertPaper(paper: Paper, { addedAt, position, passages }: { addedAt: string; position: number; passages?: readonly string[] }): number[] {
    const existing = this.db.prepare('SELECT rowid FROM papers WHERE id = ?').get(paper.id) as { rowid: number } | undefined;
    let removed: number[] = [];
    if (existing !== undefined) {
      this.db.prepare('DELETE FROM papers_fts WHERE rowid = ?').run(existing.rowid);
      if (passages !== undefined) removed = this.deletePassagesOf(paper.id);
      this.db
        .prepare(
          `UPDATE papers SET label=@label, title=@title, authors=@authors, year=@year, venue=@venue, url=@url, doi=@doi, arxiv_id=@arxivId,
           abstract=@abstract, aliases=@aliases, source=@source, content_hash=@contentHash, text_hash=@textHash, position=@position WHERE id=@id`,
        )
        .run(this.paperParams(paper, position));
    } else {
      this.db
        .prepare(
          `INSERT INTO papers (id, label, title, authors, year, venue, url, doi, arxiv_id, abstract, aliases, source, content_hash, text_hash, added_at, position)
           VALUES (@id, @label, @title, @authors, @year, @venue, @url, @doi, @arxivId, @abstract, @aliases, @source, @contentHash, @textHash, @addedAt, @position)`,
        )
        .run({ ...this.paperParams(paper, position), addedAt });
    }
    const rowid = (this.db.prepare('SELECT rowid FROM papers WHERE id = ?').get(paper.id) as { rowid: number }).rowid;
    this.db
      .prepare('INSERT INTO papers_fts (rowid, label, title, aliases, authors, ident) VALUES (?, ?, ?, ?, ?, ?)')
      .run(rowid, paper.label, paper.title ?? '', paper.aliases.join(' '), paper.authors.join(' '), [paper.id, paper.doi ?? '', paper.arxivId ?? ''].join(' '));

    if (passages !== undefined) {
      const insert = this.db.prepare('INSERT INTO passages (paper_id, ord, text) VALUES (?, ?, ?)');
      const insertFts = this.db.prepare('INSERT INTO passages_fts (rowid, title, text) VALUES (?, ?, ?)');
      passages.forEach((text, ord) => {
        const id = Number(insert.run(paper.id, ord, text).lastInsertRowid);
        insertFts.run(id, [paper.title ?? '', ...paper.aliases].join(' '), text);
      });
    }
    this.dfCache.clear();
    return removed;
  }

  /** Removes a paper and its passages; returns the removed passage ids. */
  removePaper(id: string): number[] {
    const row = this.db.prepare('SELECT rowid FROM papers WHERE id = ?').get(id) as { rowid: number } | undefined;
    if (row === undefined) return [];
    const removed = this.deletePassagesOf(id);
    this.db.prepare('DELETE FROM papers_fts WHERE rowid = ?').run(row.rowid);
    this.db.prepare('DELETE FROM papers WHERE id = ?').run(id);
    this.dfCache.clear();
    return removed;
  }

  /** Passages that have no vector yet, shortest first is not assumed: in id order. */
  passagesToEmbed(): { id: number; text: string }[] {
    return this.db.prepare('SELECT id, text FROM passages WHERE embedded = 0 ORDER BY id').all() as { id: number; text: string }[];
  }

  markEmbedded(ids: readonly number[]): void {
    const update = this.db.prepare('UPDATE passages SET embedded = 1 WHERE id = ?');
    for (const id of ids) update.run(id);
  }

  /** Forget all vectors (the model changed): every passage will be embedded again. */
  markAllUnembedded(): void {
    this.db.prepare('UPDATE passages SET embedded = 0').run();
  }

  allEmbeddedPassageIds(): number[] {
    return (this.db.prepare('SELECT id FROM passages WHERE embedded = 1 ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private deletePassagesOf(paperId: string): number[] {
    const ids = (this.db.prepare('SELECT id FROM passages WHERE paper_id = ?').all(paperId) as { id: number }[]).map((r) => r.id);
    const deleteFts = this.db.prepare('DELETE FROM passages_fts WHERE rowid = ?');
    for (const id of ids) deleteFts.run(id);
    this.db.prepare('DELETE FROM passages WHERE paper_id = ?').run(paperId);
    return ids;
  }

  private paperParams(paper: Paper, position: number) {
    return {
      id: paper.id,
      label: paper.label,
      title: paper.title,
      authors: JSON.stringify(paper.authors),
      year: paper.year,
      venue: paper.venue,
      url: paper.url,
      doi: paper.doi,
      arxivId: paper.arxivId,
      abstract: paper.abstract,
      aliases: JSON.stringify(paper.aliases),
      source: paper.source,
      contentHash: paper.contentHash,
      textHash: paper.textHash,
      position,
    };
  }

  // ── reading (retrieval, lookup) ────────────────────────────────────────────────────────────────────

  counts(): { papers: number; passages: number } {
    const papers = (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    const passages = (this.db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    return { papers, passages };
  }

  /** BM25 over passages for any of `terms` (OR), best first; `score` is positive, higher is better. */
  lexicalSearch(terms: readonly string[], limit: number): LexicalHit[] {
    if (terms.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT passages_fts.rowid AS id, p.paper_id AS paperId, -bm25(passages_fts, 2.0, 1.0) AS score
         FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid
         WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts, 2.0, 1.0) LIMIT ?`,
      )
      .all(orQuery(terms), limit) as LexicalHit[];
    return rows;
  }

  /** In how many passages each term occurs (after stemming), cached per term. */
  documentFrequency(term: string): number {
    const cached = this.dfCache.get(term);
    if (cached !== undefined) return cached;
    const n = (this.db.prepare('SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?').get(orQuery([term])) as { n: number }).n;
    this.dfCache.set(term, n);
    return n;
  }

  /** For each passage id, which of `terms` it contains (after stemming). */
  matchedTerms(terms: readonly string[], passageIds: readonly number[]): Map<number, Set<string>> {
    const result = new Map<number, Set<string>>(passageIds.map((id) => [id, new Set<string>()]));
    if (passageIds.length === 0) return result;
    const placeholders = passageIds.map(() => '?').join(',');
    const statement = this.db.prepare(`SELECT rowid AS id FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN (${placeholders})`);
    for (const term of terms) {
      for (const row of statement.all(orQuery([term]), ...passageIds) as { id: number }[]) result.get(row.id)?.add(term);
    }
    return result;
  }

  getPassages(ids: readonly number[]): StoredPassage[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT id, paper_id AS paperId, ord, text FROM passages WHERE id IN (${ids.map(() => '?').join(',')})`)
      .all(...ids) as StoredPassage[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  passageIdsOf(paperId: string): number[] {
    return (this.db.prepare('SELECT id FROM passages WHERE paper_id = ? ORDER BY ord').all(paperId) as { id: number }[]).map((r) => r.id);
  }

  getPaper(id: string): StoredPaper | undefined {
    const row = this.db.prepare('SELECT rowid, * FROM papers WHERE id = ?').get(id) as PaperRow | undefined;
    return row === undefined ? undefined : toPaper(row);
  }

  getPapers(ids: readonly string[]): Map<string, StoredPaper> {
    const result = new Map<string, StoredPaper>();
    for (const id of new Set(ids)) {
      const paper = this.getPaper(id);
      if (paper !== undefined) result.set(id, paper);
    }
    return result;
  }

  /** Every paper in corpus order (the digest walks these). */
  allPapers(): StoredPaper[] {
    return (this.db.prepare('SELECT rowid, * FROM papers ORDER BY position').all() as PaperRow[]).map(toPaper);
  }

  /**
   * Papers whose label, title, aliases, authors or id start with the words typed so far (the last word as a
   * prefix), best match first. For autocomplete and `/paper`.
   */
  findPapers(query: string, limit: number): StoredPaper[] {
    const words = query.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (words.length === 0) {
      return (this.db.prepare('SELECT rowid, * FROM papers ORDER BY position LIMIT ?').all(limit) as PaperRow[]).map(toPaper);
    }
    const match = words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
    const rows = this.db
      .prepare(
        `SELECT p.rowid, p.* FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
         WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 4.0, 4.0, 6.0, 1.0, 8.0) LIMIT ?`,
      )
      .all(match, limit) as PaperRow[];
    return rows.map(toPaper);
  }
}

/** An FTS5 query matching any of the terms, each quoted so user text can never be FTS syntax. */
export function orQuery(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

function toPaper(row: PaperRow): StoredPaper {
  return {
    id: row.id,
    label: row.label,
    title: row.title,
    authors: JSON.parse(row.authors) as string[],
    year: row.year,
    venue: row.venue,
    url: row.url,
    doi: row.doi,
    arxivId: row.arxiv_id,
    abstract: row.abstract,
    aliases: JSON.parse(row.aliases) as string[],
    source: row.source,
    contentHash: row.content_hash,
    textHash: row.text_hash,
    addedAt: row.added_at,
  };
}
