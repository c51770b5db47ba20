/**
 * The index schema on PostgreSQL, as migrations run by postgres-migrations.ts under the schema name 'index':
 * the same papers and passages as an index build's `papers.sqlite` (src/adapters/store/index-migrations.ts),
 * full-text search in place of FTS5, and the build catalog (which build answers, its manifest and corpus-lines
 * record) in place of CURRENT and a build folder. The passage vectors' table is not here: its column type
 * `vector(dims)` needs the dimensions of the model, so postgres-vector-index.ts creates it on the first build
 * with that model. Append, never edit one that has shipped.
 *
 * Full-text search configurations: `paperbot_english` stems like PostgreSQL's `english` (Snowball's Porter2)
 * but keeps stop words, as FTS5's porter tokenizer does; `paperbot_names` neither stems nor drops anything,
 * like the unicode61 tokenizer of the papers' names. They are dropped and made again (not IF NOT EXISTS,
 * which text search objects do not have) so that a database whose tables were dropped migrates again.
 */
import { sqlMigration, type PostgresMigration } from './postgres-migrations.ts';

export const POSTGRES_INDEX_MIGRATIONS: readonly PostgresMigration[] = [
  sqlMigration(
    1,
    'papers, passages, full-text search and the build catalog',
    `DROP TEXT SEARCH CONFIGURATION IF EXISTS paperbot_english;
    DROP TEXT SEARCH DICTIONARY IF EXISTS paperbot_stem;
    DROP TEXT SEARCH CONFIGURATION IF EXISTS paperbot_names;
    CREATE TEXT SEARCH DICTIONARY paperbot_stem (TEMPLATE = snowball, LANGUAGE = english);
    CREATE TEXT SEARCH CONFIGURATION paperbot_english (COPY = english);
    ALTER TEXT SEARCH CONFIGURATION paperbot_english ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH paperbot_stem;
    CREATE TEXT SEARCH CONFIGURATION paperbot_names (COPY = simple);
    CREATE TABLE papers (
      id TEXT PRIMARY KEY,
      label TEXT NOT NULL,
      title TEXT,
      authors JSONB NOT NULL,
      year INTEGER,
      venue TEXT,
      url TEXT,
      doi TEXT,
      arxiv_id TEXT,
      primary_category TEXT,
      abstract TEXT NOT NULL,
      aliases JSONB NOT NULL,
      source TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      text_hash TEXT NOT NULL,
      added_at TIMESTAMPTZ NOT NULL,
      position INTEGER NOT NULL,
      names TSVECTOR NOT NULL
    );
    CREATE INDEX papers_by_position ON papers (position);
    CREATE INDEX papers_names ON papers USING gin (names);
    CREATE SEQUENCE passage_ids AS BIGINT;
    CREATE TABLE passages (
      id BIGINT PRIMARY KEY DEFAULT nextval('passage_ids'),
      paper_id TEXT NOT NULL REFERENCES papers (id) ON DELETE CASCADE,
      ord INTEGER NOT NULL,
      text TEXT NOT NULL,
      embedded BOOLEAN NOT NULL DEFAULT false,
      words TSVECTOR NOT NULL
    );
    ALTER SEQUENCE passage_ids OWNED BY passages.id;
    CREATE INDEX passages_by_paper ON passages (paper_id, ord);
    CREATE INDEX passages_words ON passages USING gin (words);
    CREATE INDEX passages_to_embed ON passages (id) WHERE NOT embedded;
    CREATE TABLE index_catalog (
      one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
      build_id TEXT NOT NULL,
      manifest TEXT NOT NULL,
      corpus_lines TEXT,
      published_at TIMESTAMPTZ NOT NULL
    );`,
  ),
];
