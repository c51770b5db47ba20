/**
 * One way to version a SQLite schema, shared by the state database and the index database: an ordered list
 * of migrations numbered 1, 2, 3, …; the version applied is `PRAGMA user_version`, and each applied
 * migration is also recorded in `schema_migrations` (name and time) for a person reading the file. The ones
 * not yet applied run together in one IMMEDIATE transaction (all or nothing; two processes opening the same
 * file at once do not both apply one). A file written by a newer paperbot (a version this code does not
 * know) is refused. To change a schema, append a migration; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';
import { UserError } from '../../core/errors.ts';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

export interface MigrateOptions {
  /** The file, named in errors. */
  file: string;
  /** What the file is, for errors: "the state database". */
  what: string;
  /** The error code for a file newer than this code. */
  tooNewCode: string;
  /** What the person should do about a file newer than this code. */
  tooNewAdvice: string;
}

/** The schema version of an open database (0 for a new, empty one). */
export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Brings the schema of `db` up to the last of `migrations`. */
export function migrate(db: Database.Database, migrations: readonly Migration[], options: MigrateOptions): void {
  checkNumbering(migrations, options.what);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current > migrations.length) throw tooNew(current, migrations.length, options);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of migrations.slice(current)) {
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}

/** The migrations recorded in the file, oldest first. */
export function appliedMigrations(db: Database.Database): Array<{ version: number; name: string; appliedAt: string }> {
  return db.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as Array<{
    version: number;
    name: string;
    appliedAt: string;
  }>;
}

function checkNumbering(migrations: readonly Migration[], what: string): void {
  const versions = migrations.map((m) => m.version);
  if (versions.some((v, i) => !Number.isInteger(v) || v !== i + 1)) {
    throw new Error(`the migrations of ${what} must be numbered 1, 2, 3, … in order; got ${versions.join(', ')}`);
  }
}

function tooNew(current: number, known: number, { file, what, tooNewCode, tooNewAdvice }: MigrateOptions): UserError {
  return new UserError(tooNewCode, `${file} (${what}) was written by a newer paperbot (schema version ${current}; this version knows up to ${known}). ${tooNewAdvice}`);
}
