/**
 * The state stores' contract (src/adapters/store/state-stores.contract.ts) on PostgreSQL: the real `pg`
 * client on the wire to PGlite with pgvector on 127.0.0.1, one server for the file, an empty database for
 * each test. Each `open` is a new pool, as a second process would have.
 */
import { describe, expect, it } from 'vitest';
import { PostgresStateDatabase } from '../../src/adapters/postgres/postgres-state-database.ts';
import { POSTGRES_STATE_MIGRATIONS } from '../../src/adapters/postgres/postgres-state-migrations.ts';
import { STATE_MIGRATIONS } from '../../src/adapters/store/state-migrations.ts';
import { stateStoresContract } from '../../src/adapters/store/state-stores.contract.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
const track = closeAfterEach<PostgresStateDatabase>();

usePgliteServer((started) => {
  server = started;
});

describe('PostgreSQL state stores', () => {
  it('ship the same migrations as SQLite, by version and name (a state table added to one database only would be lost in a move)', () => {
    const list = (migrations: readonly { version: number; name: string }[]) => migrations.map((m) => `${m.version} ${m.name}`);
    expect(list(POSTGRES_STATE_MIGRATIONS)).toEqual(list(STATE_MIGRATIONS));
  });

  stateStoresContract({
    migrations: POSTGRES_STATE_MIGRATIONS.length,
    open: async ({ upTo } = {}) =>
      track(
        await PostgresStateDatabase.open({
          url: server.url,
          poolSize: 3,
          statementTimeoutMs: 10_000,
          migrations: POSTGRES_STATE_MIGRATIONS.slice(0, upTo ?? POSTGRES_STATE_MIGRATIONS.length),
        }),
      ),
    rows: async (table) => Number((await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0),
  });
});
