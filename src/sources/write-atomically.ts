/**
 * Writes a corpus file so that a kill at any moment leaves either the old file or the new one, never half a
 * line: the text goes to a hidden temp file beside it (the corpus loader skips dot files), is flushed to
 * disk, and is renamed over the old file (a rename within a folder is atomic).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface WriteAtomicallyOptions {
  /** Runs after the temp file is complete and before the rename (tests stop there, as a kill would). */
  beforeRename?: (tempFile: string) => Promise<void>;
}

export async function writeAtomically(file: string, text: string, { beforeRename }: WriteAtomicallyOptions = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeRename?.(temp);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
