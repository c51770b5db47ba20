/**
 * The schema of an index build's text store (`papers.sqlite`), as migrations run by sqlite-migrations.ts.
 * The store is derived (a build writes a new file from the corpus), so a file of another version is not
 * upgraded: readers refuse it and say to run `npm run index`.
 */
import type Database from 'better-sqlite3';
import type { Migration } from './sqlite-migrations.ts';

export const INDEX_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'papers, passages and their FTS5 indexes',
    up: (db) => {
      // Builds made before user_version kept "schema_version 1" in a meta table, over these same tables.
      // Adopting them lets the next build start from the old store, which carries each paper's added_at.
      if (legacyVersion(db) === '1') {
        db.exec('DROP TABLE meta');
        return;
      }
      db.exec(`
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
      `);
    },
  },
  {
    version: 2,
    name: "papers' primary arXiv category",
    // A build copies the previous store and migrates the copy: old papers get NULL until their line is read again.
    // A store adopted from before user_version may have been written with the column already.
    up: (db) => {
      const columns = db.prepare("SELECT name FROM pragma_table_info('papers')").pluck().all();
      if (!columns.includes('primary_category')) db.exec('ALTER TABLE papers ADD COLUMN primary_category TEXT');
    },
  },
];

export const INDEX_SCHEMA_VERSION = INDEX_MIGRATIONS.length;

function legacyVersion(db: Database.Database): string | undefined {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (table === undefined) return undefined;
  return (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)?.value;
}
