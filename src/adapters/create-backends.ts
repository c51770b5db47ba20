/**
 * Where paperbot keeps its data, decided in one place: the index backend (papers, passages, lexical search,
 * vectors, which build answers) and the precious state (answers and votes, digests, settings, job claims, rate
 * limits). Without DATABASE_URL: SQLite/FTS5 and hnswlib in the data folder, and `data/state.sqlite`, as
 * always. With it: everything in that PostgreSQL database (pgvector for the vectors), shared by every process
 * pointed at it. This is the only module that looks at `config.database.url`; everything else sees the ports
 * (IndexBackend, StateStores), so a second backend is a branch here and its adapters, never an `if (postgres)`
 * in the bot, the digests or the build.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import type { StateStores } from '../core/state-stores.ts';
import type { IndexBackend } from '../indexing/index-backend.ts';
import { PostgresIndexBackend } from './postgres/postgres-index-backend.ts';
import type { PostgresPoolOptions } from './postgres/postgres-pool.ts';
import { PostgresStateDatabase } from './postgres/postgres-state-database.ts';
import { createIndexBackend } from './sqlite-hnsw-backend.ts';
import { StateDatabase } from './store/state-database.ts';

export interface Backends {
  /** Opens the index backend (PostgreSQL: its pool, pgvector made sure of, the index tables migrated); once per process: the caller keeps it. */
  openIndex(): Promise<IndexBackend>;
  /** Opens the state database and brings its schema up to date; once per process: the caller keeps it. */
  openState(): Promise<StateStores>;
  /** The state is a server that bot processes on several machines share (PostgreSQL), not one process's file. */
  readonly sharedState: boolean;
}

export function createBackends(config: Pick<Config, 'database' | 'hnsw' | 'indexDir' | 'stateFile'>, { logger }: { logger: Logger }): Backends {
  const { url, poolSize, statementTimeoutMs } = config.database;
  if (url === undefined) {
    return {
      openIndex: async () => createIndexBackend(config),
      openState: async () => StateDatabase.open(config.stateFile),
      sharedState: sharesDatabase(config),
    };
  }
  // A pool of DATABASE_POOL_SIZE each (and a build's own connection while one runs): a burst of questions
  // reading the index never makes a 👍 or a digest claim wait for a connection.
  const pool: PostgresPoolOptions = { url, poolSize, statementTimeoutMs, logger: logger.child({ component: 'database' }) };
  return {
    openIndex: () => PostgresIndexBackend.open({ ...pool, hnsw: config.hnsw }),
    openState: () => PostgresStateDatabase.open(pool),
    sharedState: sharesDatabase(config),
  };
}

/**
 * Whether several processes share this config's data by design (one database) rather than through the data
 * folder (one bot per folder, `bot.lock`): then the database's own guarantees (a day's digest and a job's
 * period claimed once, rate limits counted in it) replace the folder's lock. Nothing is opened.
 */
export function sharesDatabase(config: Pick<Config, 'database'>): boolean {
  return config.database.url !== undefined;
}
