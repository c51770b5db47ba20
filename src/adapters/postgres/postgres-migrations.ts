/**
 * The migration runner of PostgreSQL, on the versioning rules SQLite's runner follows (schema-versions.ts:
 * numbered 1, 2, 3, …; the ones not yet applied run in order in one transaction; a newer schema is refused
 * with the same sentence). Where SQLite keeps the version in `PRAGMA user_version`, one Postgres database
 * holds several schemas (the state's now, the index's later), so `schema_migrations` records each applied
 * migration under its schema's name, and a schema's version is its highest row. Processes that start
 * together wait for each other on a transaction-level advisory lock: each migration is applied once.
 */
import type pg from 'pg';
import { checkNumbering, pendingMigrations, type AppliedMigration, type SchemaOwner, type VersionedMigration } from '../store/schema-versions.ts';
import type { PostgresPool } from './postgres-pool.ts';

export type PostgresMigration = VersionedMigration<(client: pg.PoolClient) => Promise<unknown>>;

/** A migration that is one SQL script (statements separated by semicolons, sent as one simple query). */
export function sqlMigration(version: number, name: string, script: string): PostgresMigration {
  return { version, name, up: (client) => client.query(script) };
}

export interface PostgresMigrateOptions extends Omit<SchemaOwner, 'where'> {
  /** The schema's name in `schema_migrations`: 'state'. */
  schema: string;
  /** Run first, under the same lock and in the same transaction (creating the extensions the schema needs). */
  prepare?: (client: pg.PoolClient, where: string) => Promise<unknown>;
}

/** Any fixed number: all paperbot processes on one database take the same lock to migrate. */
const MIGRATION_LOCK = 7_212_026;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  schema TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (schema, version)
)`;

/** A schema's version, read by postgresSchemaVersion on the pool and by the runner inside its transaction. */
const VERSION = 'SELECT MAX(version) AS version FROM schema_migrations WHERE schema = $1';
type VersionRow = { version: number | null };

/** Brings `schema` in the database up to the last of `migrations`; returns the versions it applied. */
export async function migratePostgres(pool: PostgresPool, migrations: readonly PostgresMigration[], { schema, prepare, ...owner }: PostgresMigrateOptions): Promise<number[]> {
  checkNumbering(migrations, owner.what);
  return pool.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await prepare?.(client, pool.where);
    await client.query(CREATE_TABLE);
    const pending = pendingMigrations(migrations, await versionOf(client, schema), { where: pool.where, ...owner });
    for (const migration of pending) {
      await migration.up(client);
      await client.query('INSERT INTO schema_migrations (schema, version, name) VALUES ($1, $2, $3)', [schema, migration.version, migration.name]);
    }
    return pending.map((m) => m.version);
  });
}

/** The highest migration of `schema` applied (0 for a database that has none of it). */
export async function postgresSchemaVersion(pool: PostgresPool, schema: string): Promise<number> {
  const [row] = await pool.query<VersionRow>(VERSION, [schema]);
  return row?.version ?? 0;
}

/** The migrations of `schema` recorded in the database, oldest first. */
export async function postgresAppliedMigrations(pool: PostgresPool, schema: string): Promise<AppliedMigration[]> {
  const rows = await pool.query<{ version: number; name: string; appliedAt: Date }>(
    'SELECT version, name, applied_at AS "appliedAt" FROM schema_migrations WHERE schema = $1 ORDER BY version',
    [schema],
  );
  return rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.appliedAt.toISOString() }));
}

async function versionOf(client: pg.PoolClient, schema: string): Promise<number> {
  const result = await client.query<VersionRow>(VERSION, [schema]);
  return result.rows[0]?.version ?? 0;
}
