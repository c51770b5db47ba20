/**
 * Moving an install's precious state from `state.sqlite` to PostgreSQL (`npm run migrate-to-postgres`): every
 * table of the SQLite state, row for row, into the same table of the PostgreSQL state, in ONE transaction
 * (all of it or nothing), through SQL on both sides rather than the stores' ports, so that what the ports do
 * not expose is copied too (ids, created/updated instants, a digest's 'sending' record, votes as they stand).
 * The two state schemas are kept table for table equal (postgres-state-migrations.ts), so the copy is driven
 * by the tables the SQLite file has: a table added by a later migration is copied without a change here.
 * Values go over as SQLite stores them, cast by PostgreSQL to the column's type: ISO instants to TIMESTAMPTZ
 * (read in UTC), JSON text to JSONB, 0/1 to BOOLEAN. The counts are checked again after COMMIT.
 */
import pg from 'pg';
import { UserError } from '../../core/errors.ts';
import { errorCode } from '../../indexing/write-failure.ts';
import type { StateSnapshot } from '../store/state-database.ts';
import type { PostgresStateDatabase } from './postgres-state-database.ts';

export interface CopiedTable {
  table: string;
  rows: number;
}

/** PostgreSQL limits a statement to 65,535 parameters; batches stay well below. */
const MAX_PARAMETERS = 30_000;

/**
 * Copies `snapshot` (StateDatabase.snapshot() of state.sqlite) into the empty PostgreSQL state `target`.
 * Refuses, copying nothing, when any of those tables already holds a row there. Returns the rows per table.
 */
export async function copyStateToPostgres(snapshot: StateSnapshot, target: PostgresStateDatabase): Promise<CopiedTable[]> {
  const targetVersion = await target.schemaVersion();
  if (snapshot.version !== targetVersion) {
    // Both were brought to this paperbot's latest migration when opened: a difference is a bug of ours.
    throw new Error(`the SQLite state is at schema version ${snapshot.version} and the PostgreSQL state at ${targetVersion}: both should be this paperbot's latest`);
  }
  const names = snapshot.tables.map((t) => t.name);
  const copied = await target.pool.transaction(async (client) => {
    // A bot already running on this database waits until the copy is committed instead of writing into it.
    await client.query(`LOCK TABLE ${names.map(quote).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
    await client.query(`SET LOCAL TimeZone = 'UTC'`);
    await refuseUnlessEmpty(client, names, target.pool.where);
    const types = await columnTypes(client);
    for (const table of snapshot.tables) await insertRows(client, table, types);
    return snapshot.tables.map((t) => ({ table: t.name, rows: t.rows.length }));
  });
  const after = await countRows((text) => target.pool.query<CountRow>(text), names);
  const wrong = copied.filter((t) => after.get(t.table) !== t.rows);
  if (wrong.length > 0) {
    const list = wrong.map((t) => `${t.table}: ${t.rows} in state.sqlite, ${after.get(t.table) ?? 0} in PostgreSQL`).join('; ');
    throw new UserError('E_MIGRATE_VERIFY', `The copy was committed, but the PostgreSQL state does not hold what state.sqlite holds (${list}): something else wrote to it meanwhile; empty it and run migrate-to-postgres again.`);
  }
  return copied;
}

/** The sentence, and the SQL, for emptying the PostgreSQL state before a copy. */
function emptyingAdvice(tables: readonly string[]): string {
  return `psql "$DATABASE_URL" -c 'TRUNCATE ${tables.join(', ')}'`;
}

async function refuseUnlessEmpty(client: pg.PoolClient, tables: readonly string[], where: string): Promise<void> {
  const counts = await countRows(async (text) => (await client.query<CountRow>(text)).rows, tables);
  const held = tables.filter((t) => (counts.get(t) ?? 0) > 0);
  if (held.length === 0) return;
  const list = held.map((t) => `${t} ${counts.get(t) ?? 0}`).join(', ');
  throw new UserError(
    'E_MIGRATE_NOT_EMPTY',
    `The PostgreSQL state at ${where} already holds data (${list} rows), so nothing was copied: migrate-to-postgres copies into an empty state only, never over one a bot may be using. To replace it with state.sqlite, empty it first: ${emptyingAdvice(tables)}`,
  );
}

// Table and column names are the SQLite file's own: quoted as identifiers and literals, never spliced raw.
const quote = pg.escapeIdentifier;
const literal = pg.escapeLiteral;

interface CountRow {
  t: string;
  n: string;
}

/** Row counts of `tables`, in one statement. */
async function countRows(query: (text: string) => Promise<CountRow[]>, tables: readonly string[]): Promise<Map<string, number>> {
  const rows = await query(tables.map((t) => `SELECT ${literal(t)} AS t, COUNT(*)::text AS n FROM ${quote(t)}`).join(' UNION ALL '));
  return new Map(rows.map((r) => [r.t, Number(r.n)]));
}

/** `table.column` → its PostgreSQL type name (`timestamptz`, `jsonb`, `bool`, `text`, `int4`). */
async function columnTypes(client: pg.PoolClient): Promise<Map<string, string>> {
  const { rows } = await client.query<{ t: string; c: string; type: string }>(
    `SELECT table_name AS t, column_name AS c, udt_name AS type FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  return new Map(rows.map((r) => [`${r.t}.${r.c}`, r.type]));
}

async function insertRows(client: pg.PoolClient, table: StateSnapshot['tables'][number], types: Map<string, string>): Promise<void> {
  const casts = table.columns.map((column) => {
    const type = types.get(`${table.name}.${column}`);
    // The schemas are kept equal by a test; a column missing on PostgreSQL would be data lost without this.
    if (type === undefined) throw new Error(`the PostgreSQL state has no column ${table.name}.${column} to copy state.sqlite's into`);
    return type;
  });
  const perBatch = Math.max(1, Math.floor(MAX_PARAMETERS / table.columns.length));
  for (let start = 0; start < table.rows.length; start += perBatch) {
    const batch = table.rows.slice(start, start + perBatch);
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value, i) => `$${values.push(toPostgres(value, casts[i] ?? 'text', table.name, table.columns[i] ?? '?'))}::${casts[i]}`).join(', ')})`);
    try {
      await client.query(`INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    } catch (error) {
      // A value PostgreSQL's column refuses (an instant or JSON it cannot parse): the file's, named, nothing copied.
      if (!/^(22|23)/.test(errorCode(error) ?? '')) throw error;
      throw new UserError('E_MIGRATE_VALUE', `PostgreSQL refuses a row of state.sqlite's ${table.name} table (${(error as Error).message}), so nothing was copied: fix or remove that row in state.sqlite and run migrate-to-postgres again.`, { cause: error });
    }
  }
}

/** One SQLite value as the text PostgreSQL parses into the column's type. */
function toPostgres(value: unknown, type: string, table: string, column: string): unknown {
  if (value === null) return null;
  // SQLite keeps booleans as 0/1; PostgreSQL reads 'true'/'false'. Anything else is not a boolean of ours.
  if (type === 'bool') {
    if (value === 0 || value === 1) return value === 1;
    throw new UserError('E_MIGRATE_VALUE', `state.sqlite holds ${JSON.stringify(value)} in ${table}.${column}, which should be 0 or 1; nothing was copied.`);
  }
  return typeof value === 'bigint' ? value.toString() : value;
}
