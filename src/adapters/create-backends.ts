/**
 * Where paperbot keeps its data, decided in one place: the index backend (papers, passages, lexical search,
 * vectors) and the precious state (answers and votes, digests, settings). Without DATABASE_URL: SQLite/FTS5
 * and hnswlib in the data folder, and `data/state.sqlite`. This is the only module that looks at
 * `config.database.url`; everything else sees the ports (IndexBackend, StateStores), so a second backend is
 * a branch here and its adapters, never an `if (postgres)` in the bot, the digests or the build.
 */
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { StateStores } from '../core/state-stores.ts';
import type { IndexBackend } from '../indexing/index-backend.ts';
import { PostgresStateDatabase } from './postgres/postgres-state-database.ts';
import { createIndexBackend } from './sqlite-hnsw-backend.ts';
import { StateDatabase } from './store/state-database.ts';

export interface Backends {
  /** The index's stores and vectors, for builds and readers. */
  readonly index: IndexBackend;
  /** Opens the state database and brings its schema up to date (once per process: the caller keeps it). */
  openState(): Promise<StateStores>;
  /** The state is a server that bot processes on several machines share (PostgreSQL), not one process's file. */
  readonly sharedState: boolean;
}

export interface BackendOptions {
  logger: Logger;
  /**
   * Tests only, until the index side exists on PostgreSQL: the state on the PostgreSQL at this URL while the
   * index stays in SQLite/hnswlib (DATABASE_URL is refused for users: it must select PostgreSQL for everything).
   */
  postgresStateUrl?: string | undefined;
}

export function createBackends(config: Pick<Config, 'database' | 'hnsw' | 'indexDir' | 'stateFile'>, { logger, postgresStateUrl }: BackendOptions): Backends {
  const { poolSize, statementTimeoutMs } = config.database;
  return {
    index: createIndexBackend(config),
    openState:
      postgresStateUrl === undefined
        ? async () => {
            refuseDatabaseUrl(config);
            return StateDatabase.open(config.stateFile);
          }
        : () => PostgresStateDatabase.open({ url: postgresStateUrl, poolSize, statementTimeoutMs, logger: logger.child({ component: 'database' }) }),
    sharedState: postgresStateUrl !== undefined,
  };
}

/**
 * DATABASE_URL must select PostgreSQL for everything (issue 13) or for nothing: the state stores exist on
 * PostgreSQL (src/adapters/postgres/), the index side (papers, passages, search, vectors) does not yet, and a
 * bot half on one database and half on another would break the promise of several processes sharing one.
 * Asked where the index or the state is opened (here, and by the app's build and open), not when the app is
 * made: `npm run migrate-to-postgres` uses neither and needs DATABASE_URL.
 */
export function refuseDatabaseUrl(config: Pick<Config, 'database'>): void {
  if (config.database.url === undefined) return;
  throw new UserError(
    'E_DATABASE_URL_UNFINISHED',
    'DATABASE_URL is set, but the PostgreSQL backend is not finished (its state tables exist; papers, passages, search and vectors are still SQLite and hnswlib only), so paperbot does not start half on PostgreSQL: unset DATABASE_URL (see "Running past one machine" in the README).',
  );
}
