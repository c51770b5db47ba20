/**
 * The data folder's bot lock: taken with this process's pid, refused while another live process holds it
 * (one sentence with its pid), taken over from a process that is gone, and released only by its holder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_LOCK_FILE, lockDataFolder } from './data-folder-lock.ts';

let dataDir: string;
let lockFile: string;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'paperbot-lock-'));
  lockFile = path.join(dataDir, BOT_LOCK_FILE);
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', '']);
  return done.pid as number;
}

describe('the bot lock of a data folder', () => {
  it('holds the pid of the bot and is removed when it is released', () => {
    const lock = lockDataFolder(dataDir);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses while another live process holds it, naming its pid, and leaves its lock alone', () => {
    const other = process.ppid;
    writeFileSync(lockFile, `${other}\n`);
    expect(() => lockDataFolder(dataDir)).toThrow(new RegExp(`^Another paperbot bot \\(process ${other}\\) is running on ${dataDir}: stop it first`));
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(other));
  });

  it('takes over the lock of a process that is gone (a bot killed with kill -9)', () => {
    writeFileSync(lockFile, `${deadPid()}\n`);
    lockDataFolder(dataDir);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
  });

  it('is not removed by a bot whose lock was taken over', () => {
    const stale = lockDataFolder(dataDir, deadPid());
    const current = lockDataFolder(dataDir);
    stale.release();
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    current.release();
    expect(existsSync(lockFile)).toBe(false);
  });
});
