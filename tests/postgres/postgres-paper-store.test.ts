/**
 * The text store's contract (src/adapters/store/paper-store.contract.ts) on PostgreSQL full-text search: the
 * real `pg` client on the wire to PGlite on 127.0.0.1, an empty database for each test. A store is written
 * as a build writes it (the build lock, one transaction, a writer on the live tables) and published by
 * committing that transaction, then read through the pool as the bot reads it.
 */
import { describe } from 'vitest';
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
