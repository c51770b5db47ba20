/**
 * A real PostgreSQL on the wire for tests, without a server install: PGlite (PostgreSQL 18 compiled to
 * WebAssembly, in memory) with pgvector, served on 127.0.0.1 by pglite-socket, so the code under test talks
 * to it through the real `pg` client exactly as it would to a managed Postgres. One server per test file:
 * a fresh schema per test costs milliseconds. PGlite's first start runs initdb in WebAssembly (measured here:
 * 4.7 s on a quiet machine, 15.9 s at load 18); the data folder it makes is kept as a tar in the system's
 * temp folder, per PGlite version, and later starts load it instead (2.0 s at load 18).
 *
 * What it is not: pglite-socket multiplexes every connection over PGlite's ONE session (`maxConnections`),
 * so advisory locks, `SKIP LOCKED` and isolation between connections are not separate here. Guarantees
 * tested on it must rest on what one session also enforces (unique constraints, one statement's atomicity).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface PgliteServerOptions {
  /** Load the pgvector extension into PGlite (default true); false: a server where `CREATE EXTENSION vector` fails. */
  pgvector?: boolean;
  /** Connections the socket server accepts at once (default 10: a pool's worth). */
  maxConnections?: number;
}

export interface PgliteServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string;
  readonly port: number;
  /** How long PGlite took to start and the socket to listen, in ms. */
  readonly startMs: number;
  /** The database itself, for setting up and inspecting state without going through the wire. */
  readonly db: PGlite;
  /** Drops every table (the extensions stay: creating pgvector again costs a second): a fresh database for the next test. */
  resetDatabase(): Promise<void>;
  /** Stops listening and drops every connection (a server restart, as clients see it); the data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port, after `stop()`. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPgliteServer({ pgvector = true, maxConnections = 10 }: PgliteServerOptions = {}): Promise<PgliteServer> {
  const started = performance.now();
  const db = await createPglite(pgvector);
  let socket: PGLiteSocketServer | undefined;
  // Port 0 the first time (the system picks a free one); a restart listens on that same port again.
  const listen = async (at: number): Promise<number> => {
    socket = new PGLiteSocketServer({ db, port: at, host: '127.0.0.1', maxConnections });
    await socket.start();
    return Number(socket.getServerConn().split(':').at(-1));
  };
  const port = await listen(0);
  const startMs = performance.now() - started;
  const stop = async () => {
    const running = socket;
    socket = undefined;
    await running?.stop();
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    startMs,
    db,
    stop,
    async resetDatabase() {
      await db.exec(`DO $$ DECLARE t record; BEGIN
        FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('DROP TABLE %I CASCADE', t.tablename); END LOOP;
      END $$;`);
    },
    async restart() {
      if (socket !== undefined) throw new Error('the PGlite server is running: stop() it before restart()');
      await listen(port);
    },
    async close() {
      await stop();
      await db.close();
    },
  };
}

/** PGlite started from the cached data folder of a fresh initdb, made (and cached) when there is none. */
async function createPglite(pgvector: boolean): Promise<PGlite> {
  const extensions = pgvector ? { extensions: { vector } } : {};
  const cache = path.join(os.tmpdir(), `paperbot-pglite-${pgliteVersion()}-initdb.tar`);
  if (existsSync(cache)) {
    try {
      return await PGlite.create({ ...extensions, loadDataDir: new Blob([await readFile(cache)]) });
    } catch (error) {
      // A cache that does not load (cut short by a killed run) is made again below, from a fresh initdb.
      process.emitWarning(`ignoring the PGlite data folder cache ${cache}: ${String(error)}`);
    }
  }
  const db = await PGlite.create(extensions);
  const dump = await db.dumpDataDir('none');
  // Written whole, then renamed: test files starting at once never read half a cache.
  const partial = `${cache}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, cache);
  return db;
}

function pgliteVersion(): string {
  // The package's exports do not include its package.json: find it beside the entry point (dist/index.js).
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** One server for a whole test file: started before its tests (`started` receives it), emptied before each test, closed after. */
export function usePgliteServer(started: (server: PgliteServer) => void, options: PgliteServerOptions = {}): void {
  let server: PgliteServer | undefined;
  beforeAll(async () => {
    server = await startPgliteServer(options);
    started(server);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await server?.resetDatabase();
  });
}
