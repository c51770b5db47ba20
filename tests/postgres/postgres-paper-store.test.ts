/**
 * The text store's contract (src/adapters/store/paper-store.contract.ts) on PostgreSQL full-text search: the
 * real `pg` client on the wire to PGlite on 127.0.0.1, an empty database for each test. A store is written
 * as a build writes it (the build lock, one transaction, a writer on the live tables) and published by
 * committing that transaction, then read through the pool as the bot reads it.
 */
import { describe, expect, it } from 'vitest';
import { sqlMigration } from '../../src/adapters/postgres/postgres-migrations.ts';
import { POSTGRES_INDEX_MIGRATIONS } from '../../src/adapters/postgres/postgres-index-migrations.ts';
import { PostgresIndexBackend } from '../../src/adapters/postgres/postgres-index-backend.ts';
import type { PostgresPaperWriter } from '../../src/adapters/postgres/postgres-paper-writer.ts';
import { paperStoreContract, type WriterUnderTest } from '../../src/adapters/store/paper-store.contract.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
const track = closeAfterEach<PostgresIndexBackend>();
usePgliteServer((started) => {
  server = started;
});

/** The build each writer belongs to. */
const builds = new Map<WriterUnderTest, { backend: PostgresIndexBackend; started: string; release: () => Promise<void> }>();

describe('PostgreSQL text store', () => {
  paperStoreContract({
    create: async () => {
      const backend = track(await PostgresIndexBackend.open({ url: server.url, poolSize: 2, statementTimeoutMs: 10_000, hnsw: { m: 16, efConstruction: 64, efSearch: 40 } }));
      const release = await backend.catalog.lock();
      const started = await backend.catalog.begin('20260101-000000-test');
      const writer: PostgresPaperWriter = await backend.papers.create(started);
      builds.set(writer, { backend, started, release });
      return writer;
    },
    publish: async (writer) => {
      const build = builds.get(writer);
      if (build === undefined) throw new Error('publish() of a writer create() did not make');
      await writer.close();
      const handle = await build.backend.catalog.publish(build.started, '{}');
      await build.release();
      return build.backend.papers.open(handle);
    },
  });
});

describe('the index schema on PostgreSQL', () => {
  const options = () => ({ url: server.url, poolSize: 1, statementTimeoutMs: 10_000, hnsw: { m: 16, efConstruction: 64, efSearch: 40 } });

  it("is migrated under its own name ('index' in schema_migrations), and a newer one is refused with what to do", async () => {
    const first = track(await PostgresIndexBackend.open(options()));
    expect(await first.pool.query("SELECT version, name FROM schema_migrations WHERE schema = 'index'")).toEqual([{ version: 1, name: POSTGRES_INDEX_MIGRATIONS[0]?.name }]);
    const future = [...POSTGRES_INDEX_MIGRATIONS, sqlMigration(POSTGRES_INDEX_MIGRATIONS.length + 1, 'future', 'SELECT 1')];
    track(await PostgresIndexBackend.open({ ...options(), migrations: future }));
    const refused = await PostgresIndexBackend.open(options()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'E_INDEX_SCHEMA' });
    expect((refused as Error).message).toBe(
      `${server.url} (the index tables) was written by a newer paperbot (schema version ${future.length}; this version knows up to ${POSTGRES_INDEX_MIGRATIONS.length}). Update paperbot: this version cannot read the index another one wrote there.`,
    );
  });
});
