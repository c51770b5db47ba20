/**
 * Damage inside a finished build's papers.sqlite that the cheap check at open cannot see (a page in the
 * middle overwritten: header, size and row counts still right) shows only when a question reads that page.
 * The read then becomes one sentence for the asker instead of a SQLite stack, and leaves a mark beside the
 * store, so the next `npm run index` knows the build is damaged even when nothing in the corpus changed
 * (an up-to-date build reads no page of the store) and rebuilds it instead of calling it up to date.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, UserError } from '../../core/errors.ts';

const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/;

const markOf = (file: string): string => `${file}.damaged`;

/** The sentence for a read of `file` that met damage, or null when `error` is not SQLite reporting damage. */
export function damagedStoreError(file: string, error: unknown): UserError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !CORRUPT.test(code)) return null;
  const problem = describeError(error);
  try {
    writeFileSync(markOf(file), `${JSON.stringify({ problem, at: new Date().toISOString() })}\n`);
  } catch (markError) {
    // A read-only index folder keeps no mark: the sentence still tells the operator to rebuild, and a build
    // that reads the store meets the damage itself and rebuilds (build-index.ts).
    void markError;
  }
  // The file's name, not its path: a Discord user may read this sentence; the operator knows where the index is.
  return new UserError('E_INDEX_CORRUPT', `The index store ${path.basename(file)} is damaged (${problem}): run \`npm run index\` to rebuild the index.`, { cause: error });
}

/** What a question found wrong with `file`, as the end of a sentence, or null when no question did. */
export function damageMark(file: string): string | null {
  const mark = markOf(file);
  if (!existsSync(mark)) return null;
  let problem = 'unknown damage';
  try {
    problem = (JSON.parse(readFileSync(mark, 'utf8')) as { problem?: string }).problem ?? problem;
  } catch (error) {
    problem = `a mark that cannot be read: ${describeError(error)}`;
  }
  return `was found damaged by a question (${problem})`;
}
