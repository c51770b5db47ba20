/**
 * Making sure the database has pgvector (`CREATE EXTENSION IF NOT EXISTS vector`), which the PostgreSQL
 * backend's vectors need, before anything is migrated: a server without the extension, or a role that may
 * not create it, stops start-up with one sentence saying which and what to do, instead of a migration
 * failing later on an unknown type `vector`.
 */
import type pg from 'pg';
import { UserError } from '../../core/errors.ts';

/** SQLSTATEs: the extension is not installed on the server (18: 0A000; before: 58P01 "could not open control file"). */
const NOT_INSTALLED = new Set(['0A000', '58P01']);
/** insufficient_privilege: installed, but this role may not create it in this database. */
const DENIED = '42501';

/**
 * Creates the extension when it is missing, on `client` (inside the migrations' transaction and lock: two
 * processes running CREATE EXTENSION IF NOT EXISTS at once can otherwise fail on the catalog's unique key).
 * `where` is the database URL without its password, for the messages.
 */
export async function ensurePgvector(client: pg.PoolClient, where: string): Promise<void> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const detail = error instanceof Error ? error.message : String(error);
    if (typeof code === 'string' && NOT_INSTALLED.has(code)) {
      throw new UserError(
        'E_PGVECTOR_MISSING',
        `The database (${where}) has no pgvector extension (${detail}): install pgvector on the server (managed services offer it as the "vector" extension), or point DATABASE_URL at a server that has it.`,
        { cause: error },
      );
    }
    if (code === DENIED) {
      throw new UserError(
        'E_PGVECTOR_DENIED',
        `The database role of DATABASE_URL may not create the pgvector extension in ${where} (${detail}): have the database's owner run CREATE EXTENSION vector; in it once, or connect as a role that may.`,
        { cause: error },
      );
    }
    throw error;
  }
}
