/**
 * The index backend on PostgreSQL with pgvector (`DATABASE_URL`): papers and passages with full-text search
 * (postgres-paper-store.ts, postgres-paper-writer.ts), passage vectors with an HNSW index
 * (postgres-vector-index.ts) and the build catalog (postgres-build-catalog.ts), over one pool, the 'index'
 * schema migrated by the same runner as the state. A build is one transaction on the catalog's own
 * connection: `copy` gives a writer on the live tables inside it (nothing is copied), `create` one that has
 * deleted every paper inside it (a forced rebuild), and the vectors are written in it too; readers (other
 * sessions, through the pool) see the previous build until `publish` commits.
 *
 * Stores opened for reading always read through the pool, so what they see is the committed build even in a
 * process that is building (a forced rebuild reads each paper's entry time from the previous build that way).
 */
import type { Logger } from '../../core/logger.ts';
import type { FileDamage, IndexBackend, PaperStoreFactory, VectorIndexFactory } from '../../indexing/index-backend.ts';
import { ensurePgvector } from './pgvector.ts';
import { PostgresBuildCatalog } from './postgres-build-catalog.ts';
import { POSTGRES_INDEX_MIGRATIONS } from './postgres-index-migrations.ts';
import { migratePostgres, type PostgresMigration } from './postgres-migrations.ts';
import { COUNTS_SQL, PAPERS_TABLE, PostgresPaperStore, type Sql } from './postgres-paper-store.ts';
import { PostgresPaperWriter } from './postgres-paper-writer.ts';
import { PostgresPool, type PostgresPoolOptions } from './postgres-pool.ts';
import { PostgresVectorIndex, vectorTableName, vectorTables, type PgHnswParams, type VectorSql } from './postgres-vector-index.ts';

/** The index's name in `schema_migrations`. */
const INDEX_SCHEMA = 'index';

export interface PostgresIndexOptions extends PostgresPoolOptions {
  /** HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH. */
  hnsw: PgHnswParams;
  /** Tests pass other migrations; the default is the shipped list. */
  migrations?: readonly PostgresMigration[];
  logger?: Logger;
}

/** Brings the 'index' schema up to date, pgvector made sure of first (one sentence when the server lacks it). */
export function migratePostgresIndex(pool: PostgresPool, migrations: readonly PostgresMigration[] = POSTGRES_INDEX_MIGRATIONS, { pgvector = true }: { pgvector?: boolean } = {}): Promise<number[]> {
  return migratePostgres(pool, migrations, {
    schema: INDEX_SCHEMA,
    ...(pgvector ? { prepare: ensurePgvector } : {}),
    what: 'the index tables',
    tooNewCode: 'E_INDEX_SCHEMA',
    tooNewAdvice: 'Update paperbot: this version cannot read the index another one wrote there.',
  });
}

/** The port's factories, with the PostgreSQL classes they return (tests reach into them). */
export interface PostgresPaperStores extends PaperStoreFactory {
  create(started: string): Promise<PostgresPaperWriter>;
  copy(current: string, started: string): Promise<PostgresPaperWriter>;
  open(build: string): Promise<PostgresPaperStore>;
}
export interface PostgresVectorIndexes extends VectorIndexFactory {
  create(started: string, options: { dims: number; capacity: number }): Promise<PostgresVectorIndex>;
  load(build: string, options: { dims: number; live: number; into?: string }): Promise<PostgresVectorIndex | null>;
}

export class PostgresIndexBackend implements IndexBackend {
  readonly catalog: PostgresBuildCatalog;
  readonly papers: PostgresPaperStores;
  readonly vectors: PostgresVectorIndexes;

  private constructor(
    readonly pool: PostgresPool,
    url: string,
    hnsw: PgHnswParams,
    logger: Logger | undefined,
  ) {
    this.catalog = new PostgresBuildCatalog({ pool, url, ...(logger === undefined ? {} : { logger }) });
    const readers: VectorSql = {
      query: (text, values) => pool.query(text, values),
      inTransaction: (work) => pool.transaction((client) => work({ query: async (text, values) => (await client.query(text, values as unknown[])).rows })),
    };
    this.papers = {
      create: async (started: string): Promise<PostgresPaperWriter> => PostgresPaperWriter.empty(this.building(started)),
      copy: async (_current: string, started: string): Promise<PostgresPaperWriter> => PostgresPaperWriter.of(this.building(started)),
      open: async (_build: string): Promise<PostgresPaperStore> => new PostgresPaperStore(pool),
      check: async (build: string, expected: { papers: number; passages: number }): Promise<FileDamage | null> => {
        const [counts] = await this.sqlOf(build).query<{ papers: number; passages: number }>(COUNTS_SQL);
        if (counts === undefined || (counts.papers === expected.papers && counts.passages === expected.passages)) return null;
        return { what: 'store', file: PAPERS_TABLE, problem: `holds ${counts.papers} papers and ${counts.passages} passages, its manifest says ${expected.papers} and ${expected.passages}` };
      },
    };
    this.vectors = {
      params: { space: 'cosine' as const, m: hnsw.m, efConstruction: hnsw.efConstruction },
      create: async (started: string, { dims }: { dims: number; capacity: number }): Promise<PostgresVectorIndex> => PostgresVectorIndex.create(this.buildVectors(this.building(started)), { dims, params: hnsw }),
      /** Whether the build's manifest names vectors whose table is there. */
      exists: async (build: string): Promise<boolean> => {
        const dims = await this.catalog.manifestDims(build);
        return dims !== null && (await vectorTables(this.sqlOf(build))).includes(dims);
      },
      /**
       * `into` the started build: a writer in its transaction (the build carries the vectors over); else a reader
       * through the pool, even while this process builds (a reader opened then must not search, or outlive, the build's session).
       */
      load: async (_build: string, { dims, live, into }: { dims: number; live: number; into?: string }): Promise<PostgresVectorIndex | null> =>
        PostgresVectorIndex.load(into === undefined ? readers : this.buildVectors(this.building(into)), { dims, live, params: hnsw }),
      check: async (build: string, expected: { dims: number; slots: number }): Promise<FileDamage | null> => {
        const problem = await PostgresVectorIndex.check(this.sqlOf(build), expected);
        return problem === null ? null : { what: 'vectors', file: vectorTableName(expected.dims), problem };
      },
    };
  }

  /** Opens the pool and migrates the 'index' schema; a server without pgvector is refused in one sentence. */
  static async open({ migrations = POSTGRES_INDEX_MIGRATIONS, hnsw, logger, ...options }: PostgresIndexOptions): Promise<PostgresIndexBackend> {
    const pool = new PostgresPool({ ...options, ...(logger === undefined ? {} : { logger }) });
    try {
      await migratePostgresIndex(pool, migrations);
      return new PostgresIndexBackend(pool, options.url, hnsw, logger);
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Ends a build left open (rolled back) and closes the pool. */
  async close(): Promise<void> {
    await this.catalog.close();
    await this.pool.close();
  }

  /** The started build's statements; a store of another build cannot be written. */
  private building(started: string): Sql {
    const sql = this.catalog.buildSql(started);
    if (sql === undefined) throw new Error(`${started} is not a build this process has begun (catalog.begin first)`);
    return sql;
  }

  /** The started build is checked inside its transaction (what it wrote is not committed yet); any other through the pool. */
  private sqlOf(build: string): Sql {
    return this.catalog.buildSql(build) ?? this.pool;
  }

  /** Inside the build's transaction already: a search's SET LOCAL lasts until the build ends, which is what it wants. */
  private buildVectors(sql: Sql): VectorSql {
    return { query: (text, values) => sql.query(text, values), inTransaction: (work) => work(sql) };
  }
}
