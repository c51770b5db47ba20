/**
 * The derived text store of an index build (`papers.sqlite`), for reading: papers, their passages, and two
 * FTS5 indexes, one over passages (BM25 retrieval, porter stemming) and one over paper names (lookup and
 * autocomplete, prefix indexes). It can always be rebuilt from the corpus; precious state lives in the state
 * database. The build writes it through index-database-writer.ts; the schema is index-migrations.ts.
 *
 * A question costs a handful of statements, not one per paper or term: lookups of many ids or terms pass
 * them as one JSON array (`json_each`), which also keeps them clear of SQLite's limit on variables.
 */
import Database from 'better-sqlite3';
import { describeError, UserError } from '../../core/errors.ts';
import type { LexicalHit, PaperStore, StoredPaper, StoredPassage } from '../../core/retrieval/paper-store.ts';
import { wordTokens } from '../../core/text.ts';
import { readFileHead } from '../read-file-head.ts';
import { damagedStoreError, damageMark } from './damaged-store.ts';
import { INDEX_SCHEMA_VERSION } from './index-migrations.ts';
import { schemaVersion } from './sqlite-migrations.ts';

/** The file of the store inside a build folder. */
export const INDEX_DATABASE_FILE = 'papers.sqlite';

export interface IndexDatabaseOptions {
  /** Called with the text of every statement run (better-sqlite3's `verbose`): tests count them. */
  verbose?: (sql: string) => void;
}

interface PaperRow {
  id: string;
  label: string;
  title: string | null;
  authors: string;
  year: number | null;
  venue: string | null;
  url: string | null;
  doi: string | null;
  arxiv_id: string | null;
  /** Absent in a store of schema 1. */
  primary_category?: string | null;
  abstract: string;
  aliases: string;
  source: string;
  content_hash: string;
  text_hash: string;
  added_at: string;
}

/** The store's row counts: what a reader reports and what the cheap check compares with the manifest. */
const COUNTS_SQL = 'SELECT (SELECT count(*) FROM papers) AS papers, (SELECT count(*) FROM passages) AS passages';

export class IndexDatabase implements PaperStore {
  protected readonly db: Database.Database;
  /** Document frequencies only change when the build writes, which clears this. */
  protected readonly dfCache = new Map<string, number>();
  protected countsCache: { papers: number; passages: number } | undefined;
  private readonly read;
  /** null for a build being written: its damage is the build's own failure, not a question's to report. */
  private readonly file: string | null;

  protected constructor(db: Database.Database, file: string | null) {
    this.db = db;
    this.file = file;
    this.read = {
      counts: db.prepare(COUNTS_SQL),
      lexicalSearch: db.prepare(
        `SELECT passages_fts.rowid AS id, p.paper_id AS paperId, -bm25(passages_fts, 2.0, 1.0) AS score
         FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid
         WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts, 2.0, 1.0) LIMIT ?`,
      ),
      // One FTS query per term, but one statement for all of them: `t.key` is the term's index.
      documentFrequencies: db.prepare('SELECT t.key AS i, (SELECT count(*) FROM passages_fts WHERE passages_fts MATCH t.value) AS n FROM json_each(?) t'),
      matchedTerms: db.prepare(
        `SELECT t.key AS i, f.rowid AS id FROM json_each(?) t JOIN passages_fts f ON f.passages_fts MATCH t.value
         WHERE f.rowid IN (SELECT value FROM json_each(?))`,
      ),
      passages: db.prepare('SELECT id, paper_id AS paperId, ord, text FROM passages WHERE id IN (SELECT value FROM json_each(?))'),
      hashes: db.prepare('SELECT id, source, content_hash AS contentHash, text_hash AS textHash FROM papers'),
      passageIdsOf: db.prepare('SELECT id FROM passages WHERE paper_id = ? ORDER BY ord').pluck(),
      paper: db.prepare('SELECT * FROM papers WHERE id = ?'),
      papers: db.prepare('SELECT * FROM papers WHERE id IN (SELECT value FROM json_each(?))'),
      allPapers: db.prepare('SELECT * FROM papers ORDER BY position'),
      firstPapers: db.prepare('SELECT * FROM papers ORDER BY position LIMIT ?'),
      findPapers: db.prepare(
        `SELECT p.* FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid
         WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 4.0, 4.0, 6.0, 1.0, 8.0) LIMIT ?`,
      ),
    };
  }

  /** Opens a finished build's store read-only; a store of another schema version is refused. */
  static open(file: string, options: IndexDatabaseOptions = {}): IndexDatabase {
    return new IndexDatabase(openReadOnly(file, options), file);
  }

  /** Closing twice is harmless (a retired build may be closed by its timer and by shutdown). */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Counting rows is a scan of the table, so it is done once (a reader's store never changes; writes clear it). */
  counts(): { papers: number; passages: number } {
    this.countsCache ??= this.guarded(() => this.read.counts.get() as { papers: number; passages: number });
    return this.countsCache;
  }

  /** BM25 over passages for any of `terms` (OR), best first; `score` is positive, higher is better. */
  lexicalSearch(terms: readonly string[], limit: number): LexicalHit[] {
    if (terms.length === 0) return [];
    return this.guarded(() => this.read.lexicalSearch.all(orQuery(terms), limit) as LexicalHit[]);
  }

  /** In how many passages each term occurs (after stemming), cached per term. */
  documentFrequencies(terms: readonly string[]): Map<string, number> {
    const missing = [...new Set(terms.filter((t) => !this.dfCache.has(t)))];
    if (missing.length > 0) {
      const rows = this.guarded(() => this.read.documentFrequencies.all(JSON.stringify(missing.map((t) => orQuery([t])))) as { i: number; n: number }[]);
      for (const { i, n } of rows) this.dfCache.set(missing[i] as string, n);
    }
    return new Map(terms.map((t) => [t, this.dfCache.get(t) ?? 0]));
  }

  /** For each passage id, which of `terms` it contains (after stemming). */
  matchedTerms(terms: readonly string[], passageIds: readonly number[]): Map<number, Set<string>> {
    const result = new Map<number, Set<string>>(passageIds.map((id) => [id, new Set<string>()]));
    if (passageIds.length === 0 || terms.length === 0) return result;
    const rows = this.guarded(() => this.read.matchedTerms.all(JSON.stringify(terms.map((t) => orQuery([t]))), JSON.stringify(passageIds)) as { i: number; id: number }[]);
    for (const { i, id } of rows) result.get(id)?.add(terms[i] as string);
    return result;
  }

  /** Every paper's hashes and source line, without its text: what an incremental build compares the corpus with. */
  paperHashes(): Map<string, { source: string; contentHash: string; textHash: string }> {
    const rows = this.guarded(() => this.read.hashes.all() as { id: string; source: string; contentHash: string; textHash: string }[]);
    return new Map(rows.map((r) => [r.id, { source: r.source, contentHash: r.contentHash, textHash: r.textHash }]));
  }

  getPassages(ids: readonly number[]): StoredPassage[] {
    if (ids.length === 0) return [];
    const byId = new Map(this.guarded(() => this.read.passages.all(JSON.stringify(ids)) as StoredPassage[]).map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  passageIdsOf(paperId: string): number[] {
    return this.guarded(() => this.read.passageIdsOf.all(paperId) as number[]);
  }

  getPaper(id: string): StoredPaper | undefined {
    const row = this.guarded(() => this.read.paper.get(id) as PaperRow | undefined);
    return row === undefined ? undefined : toPaper(row);
  }

  getPapers(ids: readonly string[]): Map<string, StoredPaper> {
    if (ids.length === 0) return new Map();
    const rows = this.guarded(() => this.read.papers.all(JSON.stringify([...new Set(ids)])) as PaperRow[]);
    return new Map(rows.map((r) => [r.id, toPaper(r)]));
  }

  /** Every paper in corpus order (the digest walks these). */
  allPapers(): StoredPaper[] {
    return this.guarded(() => this.read.allPapers.all() as PaperRow[]).map(toPaper);
  }

  /**
   * Papers whose label, title, aliases, authors or id start with the words typed so far (the last word as a
   * prefix), best match first. For autocomplete and `/paper`.
   */
  findPapers(query: string, limit: number): StoredPaper[] {
    const words = wordTokens(query);
    if (words.length === 0) return this.guarded(() => this.read.firstPapers.all(limit) as PaperRow[]).map(toPaper);
    const match = words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
    return this.guarded(() => this.read.findPapers.all(match, limit) as PaperRow[]).map(toPaper);
  }

  /** Damage the cheap check at open could not see (a page in the middle) shows when a read meets it: see damaged-store.ts. */
  protected guarded<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw (this.file === null ? null : damagedStoreError(this.file, error)) ?? error;
    }
  }
}

/**
 * Schema 2 only added papers.primary_category, which a reader of a schema-1 store takes as absent (null): an
 * installed bot keeps answering from its index after an upgrade, and its next build migrates the copy.
 */
const OLDEST_READABLE_SCHEMA = 1;

/** Opens `file` (which must exist) read-only and refuses it unless its schema is one this code reads. */
function openReadOnly(file: string, options: IndexDatabaseOptions): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true, ...sqliteOptions(options) });
  const version = schemaVersion(db);
  if (version < OLDEST_READABLE_SCHEMA || version > INDEX_SCHEMA_VERSION) {
    db.close();
    throw new UserError(
      'E_INDEX_SCHEMA',
      `The index store ${file} has schema version ${version}, this paperbot reads version ${INDEX_SCHEMA_VERSION}: run \`npm run index\` to rebuild the index.`,
    );
  }
  return db;
}

/**
 * What is wrong with a finished build's store file, as the end of a sentence, or null when it looks sound.
 * Cheap on purpose: `PRAGMA quick_check` reads every page (1.7-2.1 s for the 387 MB store of 100k papers,
 * measured), too slow for every open and every up-to-date build. This reads the header (a file overwritten
 * with anything else is not a SQLite database), compares the size the header records with the file's (a
 * cut or padded file), then opens it and counts its rows against what the manifest recorded (a few ms).
 * `thorough` adds quick_check, for a build that met damage the cheap check cannot see (a page in the middle).
 */
export function checkIndexDatabaseFile(file: string, expected: { papers: number; passages: number }, { thorough = false }: { thorough?: boolean } = {}): string | null {
  let header: Buffer;
  let size: number;
  try {
    ({ head: header, size } = readFileHead(file, 100));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${describeError(error)})`;
  }
  if (size < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 'is not a SQLite database';
  const marked = damageMark(file);
  if (marked !== null) return marked;
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  // The page count in the header is trusted only when written by a SQLite that keeps it (version-valid-for = change counter).
  const pages = header.readUInt32BE(24) === header.readUInt32BE(92) ? header.readUInt32BE(28) : Math.floor(size / pageSize);
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0 || pages * pageSize !== size) {
    return `has ${size} bytes where its header says ${pages * pageSize}: it was cut short or overwritten`;
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const counts = db.prepare(COUNTS_SQL).get() as { papers: number; passages: number };
    if (counts.papers !== expected.papers || counts.passages !== expected.passages) {
      return `holds ${counts.papers} papers and ${counts.passages} passages, its manifest says ${expected.papers} and ${expected.passages}`;
    }
    if (!thorough) return null;
    const problems = (db.pragma('quick_check(3)') as { quick_check: string }[]).map((row) => row.quick_check);
    return problems.length === 1 && problems[0] === 'ok' ? null : `fails SQLite's quick_check (${problems.join('; ')})`;
  } catch (error) {
    return `cannot be read (${describeError(error)})`;
  } finally {
    db?.close();
  }
}

/** better-sqlite3's options for ours. */
export function sqliteOptions({ verbose }: IndexDatabaseOptions): Database.Options {
  return verbose === undefined ? {} : { verbose: (sql: unknown) => verbose(String(sql)) };
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
    primaryCategory: row.primary_category ?? null,
    abstract: row.abstract,
    aliases: JSON.parse(row.aliases) as string[],
    source: row.source,
    contentHash: row.content_hash,
    textHash: row.text_hash,
    addedAt: row.added_at,
  };
}
