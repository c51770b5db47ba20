/**
 * The migration runner of SQLite, shared by the state database and the index database, on the versioning
 * rules of schema-versions.ts (the same as PostgreSQL's): the version applied is `PRAGMA user_version`,
 * and each applied migration is also recorded in `schema_migrations` (name and time) for a person reading
 * the file. The ones not yet applied run together in one IMMEDIATE transaction (all or nothing; two
 * processes opening the same file at once do not both apply one). A file written by a newer paperbot is
 * refused. To change a schema, append a migration; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';
import { checkNumbering, pendingMigrations, type AppliedMigration, type SchemaOwner, type VersionedMigration } from './schema-versions.ts';

export type Migration = VersionedMigration<(db: Database.Database) => void>;

export interface MigrateOptions extends Omit<SchemaOwner, 'where'> {
  /** The file, named in errors. */
  file: string;
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
    const { file, ...owner } = options;
    const pending = pendingMigrations(migrations, schemaVersion(db), { where: file, ...owner });
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}

/** The migrations recorded in the file, oldest first. */
export function appliedMigrations(db: Database.Database): AppliedMigration[] {
  return db.prepare('SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version').all() as AppliedMigration[];
}
