/**
 * A real PostgreSQL server with real sessions, for the few tests whose guarantee is between sessions
 * (concurrent claims, concurrent migrations), which PGlite's single session cannot show. It uses the
 * machine's PostgreSQL 15 binaries (Debian's `postgresql-15`, no pgvector) in a temp folder, as the
 * `postgres` user (PostgreSQL refuses to run as root), on 127.0.0.1; `nativePostgresBinaries()` says
 * whether they are there, so a test can say it was skipped instead of passing without them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  execFileSync(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], { ...user, cwd: dir, stdio: 'pipe' });
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
