/**
 * What an index build on PostgreSQL promises between sessions, on a real server (the machine's PostgreSQL 15,
 * see tests/support/native-postgres.ts; skipped, and reported as skipped, where it is not installed): a
 * reader on another connection sees the previous build until the new one is published, a second build is
 * refused with who holds the lock, and a build whose session is killed frees the lock and leaves nothing.
 * PGlite runs every connection in one session (a second lock is granted to the same session; a reader waits
 * for the build's transaction to end), so it cannot show these. PostgreSQL 15 here has no pgvector: the
 * builds are lexical, which is the papers, passages and catalog the promises are about (the vectors are
 * written in the same transaction, shown on PGlite in postgres-vector-index.test.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_LOCK, PostgresBuildCatalog } from '../../src/adapters/postgres/postgres-build-catalog.ts';
import { migratePostgresIndex } from '../../src/adapters/postgres/postgres-index-backend.ts';
import { PostgresPaperStore } from '../../src/adapters/postgres/postgres-paper-store.ts';
import { PostgresPaperWriter } from '../../src/adapters/postgres/postgres-paper-writer.ts';
import { PostgresPool } from '../../src/adapters/postgres/postgres-pool.ts';
import { nativePostgresBinaries, useNativePostgres } from '../support/native-postgres.ts';
import { paper } from '../support/paper-fixture.ts';

describe.skipIf(nativePostgresBinaries() === undefined)('index builds on PostgreSQL 15 with real sessions', () => {
  const server = useNativePostgres();
  const catalogs: PostgresBuildCatalog[] = [];
  const pool = () => server.pool(3);
  /** The first pool: the one the tests clear the tables through. */
  let first: PostgresPool;
  /** A second process's view: its own pool and catalog. */
  const aProcess = () => {
    const own = pool();
    const catalog = new PostgresBuildCatalog({ pool: own, url: server.url() });
    catalogs.push(catalog);
    return { pool: own, catalog };
  };

  beforeAll(async () => {
    first = pool();
    await migratePostgresIndex(first, undefined, { pgvector: false });
  });
  beforeEach(async () => {
    await first.query('DELETE FROM papers');
    await first.query('DELETE FROM index_catalog');
  });
  afterAll(async () => {
    await Promise.all(catalogs.map((c) => c.close()));
  });

  /** Begins a build (lock + BEGIN) and writes papers `ids` into it, replacing what was there. */
  async function startBuild(catalog: PostgresBuildCatalog, buildId: string, ids: readonly string[]) {
    const release = await catalog.lock();
    const started = await catalog.begin(buildId);
    const sql = catalog.buildSql();
    if (sql === undefined) throw new Error('the build has begun: its statements must be there');
    const store = await PostgresPaperWriter.empty(sql);
    for (const [position, id] of ids.entries()) await store.upsertPaper(paper(id), { addedAt: '2026-01-01T00:00:00.000Z', position, passages: [`The passage of ${id}.`] });
    await store.close();
    return { release, started };
  }

  /** Waits (up to 10 s) until backend `pid` is gone from pg_stat_activity and holds no build lock in pg_locks. */
  async function untilSessionEnded(on: PostgresPool, pid: number | undefined): Promise<void> {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 10))) {
      const [row] = await on.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid = $1) + (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $2 AND granted) AS n",
        [pid, BUILD_LOCK],
      );
      if (Number(row?.n) === 0) return;
    }
    throw new Error(`backend ${pid} was terminated but its session had not ended after 10 s`);
  }

  async function publishBuild(catalog: PostgresBuildCatalog, buildId: string, ids: readonly string[]): Promise<void> {
    const { release, started } = await startBuild(catalog, buildId, ids);
    await catalog.publish(started, `{"buildId":"${buildId}"}`);
    await release();
  }

  it('lets a reader on another connection see the previous build until the new one is published', async () => {
    const builder = aProcess();
    const reader = aProcess();
    await publishBuild(builder.catalog, 'b1', ['p1', 'p2']);
    const store = new PostgresPaperStore(reader.pool);

    const { release, started } = await startBuild(builder.catalog, 'b2', ['p3']);
    // Mid-build: the reader answers from b1, without waiting on the build's transaction.
    expect(await reader.catalog.current()).toBe('pg:b1');
    expect((await store.allPapers()).map((p) => p.id)).toEqual(['p1', 'p2']);
    expect((await store.lexicalSearch(['p3'], 5)).length).toBe(0);
    expect(await reader.catalog.readManifest('pg:b1')).toEqual({ name: 'the manifest row in PostgreSQL', text: '{"buildId":"b1"}' });

    await builder.catalog.publish(started, '{"buildId":"b2"}');
    await release();
    expect(await reader.catalog.current()).toBe('pg:b2');
    expect((await new PostgresPaperStore(reader.pool).allPapers()).map((p) => p.id)).toEqual(['p3']);
  });

  it('leaves the previous build to readers when a build is discarded', async () => {
    const builder = aProcess();
    const reader = aProcess();
    await publishBuild(builder.catalog, 'b1', ['p1']);
    const { release, started } = await startBuild(builder.catalog, 'b2', ['p9']);
    await builder.catalog.discard(started);
    await release();
    expect(await reader.catalog.current()).toBe('pg:b1');
    expect((await new PostgresPaperStore(reader.pool).allPapers()).map((p) => p.id)).toEqual(['p1']);
  });

  it('refuses a second build while one runs, saying which session holds the lock and since when', async () => {
    const first = aProcess();
    const second = aProcess();
    const release = await first.catalog.lock();
    const refused = await second.catalog.lock().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'E_BUILD_RUNNING' });
    expect((refused as Error).message).toMatch(
      /^Another index build is running on postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(PostgreSQL backend pid \d+, "paperbot index build, host [^,]+, pid \d+", connected from 127\.0\.0\.1 since \d{4}-\d\d-\d\dT[\d:.]+Z\); wait for it to finish: its lock ends with its database session, so a build that was killed frees it by itself\.$/,
    );
    await release();
    const after = await second.catalog.lock();
    await after();
  });

  it('frees the lock and keeps nothing of a build whose session is killed', async () => {
    const builder = aProcess();
    const other = aProcess();
    await publishBuild(builder.catalog, 'b1', ['p1']);
    await startBuild(builder.catalog, 'b2', ['p7']);
    // What the server does when a build's process dies: its session ends, its transaction rolls back.
    const [holder] = await other.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'paperbot index build%'");
    await other.pool.query('SELECT pg_terminate_backend($1)', [holder?.pid]);
    // pg_terminate_backend only signals the backend: the lock is free once that session has ended.
    await untilSessionEnded(other.pool, holder?.pid);
    const release = await other.catalog.lock();
    await release();
    expect(await other.catalog.current()).toBe('pg:b1');
    expect((await new PostgresPaperStore(other.pool).allPapers()).map((p) => p.id)).toEqual(['p1']);
  });
});
