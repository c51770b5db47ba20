/**
 * The SQLite/hnswlib backend's build catalog (BuildCatalog, index-backend.ts): where index builds live as
 * folders and how one becomes current, atomically:
 *
 *   data/index/CURRENT              name of the build that answers (replaced by rename, never edited)
 *   data/index/builds/<id>/         manifest.json, corpus-lines.json and the backend's files (papers.sqlite, vectors.hnsw)
 *   data/index/builds/<id>.partial/ a build in progress; a killed build leaves only this behind
 *   data/index/build.lock           the pid of the running build
 *
 * A build's handle is its folder. A reader follows CURRENT; a build writes a new folder and then swaps
 * CURRENT, so a build killed half way leaves the previous index answering.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, UserError } from '../core/errors.ts';
import type { BuildCatalog } from '../indexing/index-backend.ts';
import { isAlive } from './is-process-alive.ts';

/** The catalog's own files in a build folder (tests and the benchmark look at them). */
export const CATALOG_FILES = { manifest: 'manifest.json', corpusLines: 'corpus-lines.json' } as const;

const PARTIAL = '.partial';

export class FileBuildCatalog implements BuildCatalog {
  private readonly currentFile: string;
  private readonly builds: string;
  private readonly lockFile: string;

  constructor(readonly location: string) {
    this.currentFile = path.join(location, 'CURRENT');
    this.builds = path.join(location, 'builds');
    this.lockFile = path.join(location, 'build.lock');
  }

  async current(): Promise<string | null> {
    return this.currentDir();
  }

  /** One build at a time: a second `npm run index` says so instead of corrupting the first. */
  async lock(): Promise<() => Promise<void>> {
    mkdirSync(this.location, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.lockFile, String(process.pid), { flag: 'wx' });
        return async () => rmSync(this.lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const pid = Number(readFileSync(this.lockFile, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
          throw new UserError('E_BUILD_RUNNING', `Another index build is running (process ${pid}); wait for it to finish, or delete ${this.lockFile} if it is gone.`);
        }
        rmSync(this.lockFile, { force: true });
      }
    }
    throw new UserError('E_BUILD_RUNNING', `Cannot take the build lock ${this.lockFile}.`);
  }

  async readManifest(build: string): Promise<{ name: string; text: string } | { name: string; problem: string }> {
    const name = path.join(build, CATALOG_FILES.manifest);
    try {
      return { name, text: readFileSync(name, 'utf8') };
    } catch (error) {
      return { name, problem: `cannot be read (${describeError(error)})` };
    }
  }

  async begin(buildId: string): Promise<string> {
    const started = path.join(this.builds, `${buildId}${PARTIAL}`);
    mkdirSync(started, { recursive: true });
    return started;
  }

  /** Writes the manifest, renames the folder to its final name, then swaps CURRENT: the build answers from then on. */
  async publish(started: string, manifestText: string): Promise<string> {
    writeFileDurably(path.join(started, CATALOG_FILES.manifest), manifestText);
    const name = path.basename(started, PARTIAL);
    const final = path.join(this.builds, name);
    renameSync(started, final);
    // A temporary pointer, fsynced, renamed over CURRENT (atomic on POSIX).
    const temp = `${this.currentFile}.${process.pid}.tmp`;
    writeFileDurably(temp, `${name}\n`);
    renameSync(temp, this.currentFile);
    return final;
  }

  /** What a failed build wrote is of no use, and on a full disk it is the space a retry needs. */
  async discard(started: string): Promise<void> {
    rmSync(started, { recursive: true, force: true });
  }

  /** Deletes every build but the current one (a running bot keeps reading its open files until it reloads). */
  async removeStale(): Promise<void> {
    if (!existsSync(this.builds)) return;
    const keep = this.currentDir();
    for (const name of readdirSync(this.builds)) {
      const dir = path.join(this.builds, name);
      if (dir !== keep) rmSync(dir, { recursive: true, force: true });
    }
  }

  async readLines(build: string): Promise<string | null> {
    try {
      return readFileSync(path.join(build, CATALOG_FILES.corpusLines), 'utf8');
    } catch (error) {
      // A build from before this file: the corpus is parsed in full, nothing is lost.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async writeLines(started: string, text: string): Promise<void> {
    writeFileDurably(path.join(started, CATALOG_FILES.corpusLines), text);
  }

  /** The folder of the current build, or null when no build finished yet. */
  private currentDir(): string | null {
    if (!existsSync(this.currentFile)) return null;
    const name = readFileSync(this.currentFile, 'utf8').trim();
    const dir = path.join(this.builds, name);
    return name !== '' && existsSync(path.join(dir, CATALOG_FILES.manifest)) ? dir : null;
  }
}

function writeFileDurably(file: string, content: string): void {
  writeFileSync(file, content);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
