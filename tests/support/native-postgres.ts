/**
 * A real PostgreSQL server with real sessions, for the few tests whose guarantee is between sessions
 * (concurrent claims, concurrent migrations), which PGlite's single session cannot show. It uses the
 * machine's PostgreSQL 15 binaries (Debian's `postgresql-15`, no pgvector) in a temp folder, as the
 * `postgres` user (PostgreSQL refuses to run as root), on 127.0.0.1; `nativePostgresBinaries()` says
 * whether they are there, so a test can say it was skipped instead of passing without them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { PostgresPool } from '../../src/adapters/postgres/postgres-pool.ts';
import { freePort } from './free-port.ts';

const BIN = '/usr/lib/postgresql/15/bin';

export interface NativePostgres {
  readonly url: string;
  close(): Promise<void>;
}

/** The user to run the server as (uid, gid), when the binaries are installed and this process may switch to it. */
export function nativePostgresBinaries(): { uid: number; gid: number } | undefined {
  if (!existsSync(path.join(BIN, 'postgres')) || process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    // No `postgres` user: the server cannot be started here (the caller skips, and says so).
    return undefined;
  }
}

export async function startNativePostgres(): Promise<NativePostgres> {
  const user = nativePostgresBinaries();
  if (user === undefined) throw new Error(`PostgreSQL 15 is not installed in ${BIN} (or this process is not root)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-pg-'));
  chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  // A copy of one initdb'd folder (as the server's user, which must own it) instead of initdb each time.
  execFileSync('cp', ['-a', initializedDataFolder(user), data], { ...user, cwd: dir, stdio: 'pipe' });
  const port = await freePort();
  const server = spawn(path.join(BIN, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  await ready(server);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A data folder initdb made, kept in the system's temp folder for later starts (initdb takes most of a start:
 * measured here a start takes 1.4-1.5 s with initdb, 1.0-1.1 s copying its folder). Made under a name of its own and renamed into
 * place, so test files starting at once never see half of one.
 */
function initializedDataFolder(user: { uid: number; gid: number }): string {
  const template = path.join(os.tmpdir(), `paperbot-pg15-initdb-${user.uid}`);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  const making = mkdtempSync(path.join(os.tmpdir(), 'paperbot-pg15-initdb-making-'));
  chownSync(making, user.uid, user.gid);
  const made = path.join(making, 'data');
  execFileSync(path.join(BIN, 'initdb'), ['-D', made, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], { ...user, cwd: making, stdio: 'pipe' });
  try {
    renameSync(made, template);
  } catch (error) {
    // Another test file put its copy in place first: that one is used, this one dropped.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  rmSync(making, { recursive: true, force: true });
  return template;
}

function ready(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 20 s:\n${log}`)), 20_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout?.on('data', read);
    server.stderr?.on('data', read);
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited with code ${code} before it was ready:\n${log}`));
    });
  });
}

export interface UsedNativePostgres {
  /** The server's URL (once the block's beforeAll has run). */
  url(): string;
  /** A pool of its own on the server, as a separate process would have; closed after the block's tests. */
  pool(poolSize: number, statementTimeoutMs?: number): PostgresPool;
}

/**
 * The server for a describe block: started before its tests, and after them its pools closed, then the server.
 * Registered first, so the block's own afterAll (closing what uses the pools) runs before it.
 */
export function useNativePostgres(): UsedNativePostgres {
  let server: NativePostgres | undefined;
  const pools: PostgresPool[] = [];
  beforeAll(async () => {
    server = await startNativePostgres();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await server?.close();
  });
  const url = () => {
    if (server === undefined) throw new Error('the native PostgreSQL server is not started yet');
    return server.url;
  };
  return {
    url,
    pool(poolSize, statementTimeoutMs = 10_000) {
      const made = new PostgresPool({ url: url(), poolSize, statementTimeoutMs });
      pools.push(made);
      return made;
    },
  };
}
