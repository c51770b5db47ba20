/**
 * The two ways the machine refuses a write, each as one sentence instead of a stack: the disk is full
 * (ENOSPC, a quota, SQLite's SQLITE_FULL) or the folder may not be written (permissions, a read-only file
 * system, SQLite unable to create its file or journal there). The index build and the state database use it;
 * anything else is not theirs to explain and is passed on as it is.
 */
import { UserError } from '../core/errors.ts';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_READONLY_DIRECTORY']);

/** The error's code (Node's errno name or SQLite's result code), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The sentence for a write to `folder` the machine refused, or null when `error` is something else.
 * `after` says what is left as it was ("the previous index still answers").
 */
export function writeFailure(error: unknown, folder: string, after: string): UserError | null {
  const code = errorCode(error) ?? '';
  if (FULL.has(code)) {
    return new UserError('E_DISK_FULL', `The disk holding ${folder} is full (${code}): free some space and try again; ${after}.`, { cause: error });
  }
  if (READ_ONLY.has(code)) {
    return new UserError(
      'E_DATA_DIR_READ_ONLY',
      `paperbot may not write to ${folder} (${code}): DATA_DIR must be a folder it can write to; fix its permissions or set DATA_DIR to another folder (${after}).`,
      { cause: error },
    );
  }
  return null;
}
