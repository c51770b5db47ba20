/**
 * The versioning rules every paperbot database follows, SQLite or PostgreSQL: a schema is an ordered list of
 * migrations numbered 1, 2, 3, …; a database records the highest one applied (SQLite: `PRAGMA user_version`,
 * PostgreSQL: the `schema_migrations` table); the ones not yet applied run in order, all in one transaction;
 * a database written by a newer paperbot (a version this code does not know) is refused with one sentence
 * that says what to do. Each backend's runner (sqlite-migrations.ts, postgres/postgres-migrations.ts) only
 * supplies its transaction and where it keeps the version; what to run, and what to refuse, is decided here.
 */
import { UserError } from '../../core/errors.ts';

/** One step of a schema; `up` is the backend's (a function of the SQLite connection, a Postgres client, …). */
export interface VersionedMigration<Up> {
  version: number;
  name: string;
  up: Up;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
}

/** What the messages say about the database being migrated. */
export interface SchemaOwner {
  /** Where it is, named in errors: a file path, or a database URL without its password. */
  where: string;
  /** What it is, for errors: "the state database". */
  what: string;
  /** The error code for a database newer than this code. */
  tooNewCode: string;
  /** What the person should do about a database newer than this code. */
  tooNewAdvice: string;
}

/** Throws (a bug of ours, not the user's) unless the migrations are numbered 1, 2, 3, … in order. */
export function checkNumbering(migrations: readonly { version: number }[], what: string): void {
  const versions = migrations.map((m) => m.version);
  if (versions.some((v, i) => !Number.isInteger(v) || v !== i + 1)) {
    throw new Error(`the migrations of ${what} must be numbered 1, 2, 3, … in order; got ${versions.join(', ')}`);
  }
}

/** The migrations a database at `current` still needs, in order; refuses one written by a newer paperbot. */
export function pendingMigrations<M extends { version: number }>(migrations: readonly M[], current: number, owner: SchemaOwner): readonly M[] {
  if (current > migrations.length) throw tooNew(current, migrations.length, owner);
  return migrations.slice(current);
}

function tooNew(current: number, known: number, { where, what, tooNewCode, tooNewAdvice }: SchemaOwner): UserError {
  return new UserError(tooNewCode, `${where} (${what}) was written by a newer paperbot (schema version ${current}; this version knows up to ${known}). ${tooNewAdvice}`);
}
