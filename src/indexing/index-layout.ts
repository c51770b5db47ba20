/**
 * Where index builds live and how one becomes current, atomically:
 *
 *   data/index/CURRENT              name of the build that answers (replaced by rename, never edited)
 *   data/index/builds/<id>/         manifest.json and the backend's files (SQLite and hnswlib: papers.sqlite, vectors.hnsw)
 *   data/index/builds/<id>.partial/ a build in progress; a killed build leaves only this behind
 *   data/index/build.lock           the pid of the running build
 *
 * A reader follows CURRENT; a build writes a new folder and then swaps CURRENT, so a build killed half way
 * leaves the previous index answering.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';

export const FILES = { manifest: 'manifest.json' } as const;

export interface IndexLayout {
  root: string;
  current: string;
  builds: string;
  lock: string;
}

export function indexLayout(indexDir: string): IndexLayout {
  return { root: indexDir, current: path.join(indexDir, 'CURRENT'), builds: path.join(indexDir, 'builds'), lock: path.join(indexDir, 'build.lock') };
}

/** The folder of the current build, or null when no build finished yet. */
export function currentBuildDir(layout: IndexLayout): string | null {
  if (!existsSync(layout.current)) return null;
  const name = readFileSync(layout.current, 'utf8').trim();
  const dir = path.join(layout.builds, name);
  return name !== '' && existsSync(path.join(dir, FILES.manifest)) ? dir : null;
}

export function writeFileDurably(file: string, content: string): void {
  writeFileSync(file, content);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes `buildName` current: write a temporary pointer, fsync, rename over CURRENT (atomic on POSIX). */
export function publishBuild(layout: IndexLayout, buildName: string): void {
  const temp = `${layout.current}.${process.pid}.tmp`;
  writeFileDurably(temp, `${buildName}\n`);
  renameSync(temp, layout.current);
}

/** Deletes every build but the current one (a running bot keeps reading its open files until it reloads). */
export function removeStaleBuilds(layout: IndexLayout): string[] {
  if (!existsSync(layout.builds)) return [];
  const keep = currentBuildDir(layout);
  const removed: string[] = [];
  for (const name of readdirSync(layout.builds)) {
    const dir = path.join(layout.builds, name);
    if (dir === keep) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** One build at a time: a second `npm run index` says so instead of corrupting the first. */
export function acquireBuildLock(layout: IndexLayout): () => void {
  mkdirSync(layout.root, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(layout.lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(layout.lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(layout.lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new UserError('E_BUILD_RUNNING', `Another index build is running (process ${pid}); wait for it to finish, or delete ${layout.lock} if it is gone.`);
      }
      rmSync(layout.lock, { force: true });
    }
  }
  throw new UserError('E_BUILD_RUNNING', `Cannot take the build lock ${layout.lock}.`);
}

/** Whether process `pid` still runs (signal 0 probes without sending; EPERM: it runs, as another user): who holds a lock file. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
