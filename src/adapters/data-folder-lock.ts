/**
 * One bot per data folder: `DATA_DIR/bot.lock` holds the pid of the bot that runs on it. Two bots on the same
 * token and folder (an overlapping restart, a second terminal) would both answer every mention and race for
 * the digests, so a second one refuses to start, naming the first one's pid. A lock whose process is gone (the
 * bot was killed, the machine restarted) is taken over; the lock is removed on shutdown.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import { sharesDatabase } from './create-backends.ts';
import { writeFailure } from '../indexing/write-failure.ts';
import { isAlive } from './is-process-alive.ts';

export const BOT_LOCK_FILE = 'bot.lock';

export interface DataFolderLock {
  readonly file: string;
  /** Removes the lock if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * The lock step of `npm start`, as a function of the config: the data folder's lock, taken by the bot (or by
 * the sharding parent, for all its shards), or null with DATABASE_URL, where several processes share one
 * database by design and the database's own guarantees (each day's digest claimed once) replace the lock.
 */
export function lockForBot(config: Pick<Config, 'dataDir' | 'database'>, pid: number = process.pid): DataFolderLock | null {
  return sharesDatabase(config) ? null : lockDataFolder(config.dataDir, pid);
}

export function lockDataFolder(dataDir: string, pid: number = process.pid): DataFolderLock {
  const file = path.join(dataDir, BOT_LOCK_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, `${pid}\n`, { flag: 'wx' });
        return { file, release: () => releaseIfOurs(file, pid) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder !== null && holder !== pid && isAlive(holder)) {
        throw new UserError(
          'E_DATA_DIR_LOCKED',
          `Another paperbot bot (process ${holder}) is running on ${dataDir}: stop it first, since two bots on one data folder answer every mention twice (or give this one another DATA_DIR; if process ${holder} is not paperbot, delete ${file}).`,
        );
      }
      // Its process is gone (or it is ours, from before a restart that reused the pid): take it over.
      rmSync(file, { force: true });
    }
  } catch (error) {
    throw writeFailure(error, dataDir, 'the bot did not start') ?? error;
  }
  throw new UserError('E_DATA_DIR_LOCKED', `Cannot take the lock ${file}: another process keeps replacing it.`);
}

function readHolder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function releaseIfOurs(file: string, pid: number): void {
  if (readHolder(file) === pid) rmSync(file, { force: true });
}
