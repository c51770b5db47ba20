/**
 * Opening the PostgreSQL state database, on the wire to PGlite: pgvector made sure of first (a server
 * without it, or a role that may not create it, refused with one sentence), the state migrations run by the
 * same versioning rules as SQLite's (only the missing ones, a failing one rolled back whole, a newer
 * database refused, the password never in a message), and a server restart: the operation that meets it
 * fails with one sentence, the next one works on the same data.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/logger.ts';
import { sqlMigration, type PostgresMigration } from '../../src/adapters/postgres/postgres-migrations.ts';
import { PostgresStateDatabase, type PostgresStateOptions } from '../../src/adapters/postgres/postgres-state-database.ts';
import { POSTGRES_STATE_MIGRATIONS } from '../../src/adapters/postgres/postgres-state-migrations.ts';
import { closeAfterEach } from '../support/close-after-each.ts';
import { startPgliteServer, usePgliteServer, type PgliteServer } from '../support/pglite-server.ts';

let server: PgliteServer;
const track = closeAfterEach<PostgresStateDatabase>();

usePgliteServer((started) => {
  server = started;
});
afterEach(() => {
  logged.splice(0);
});

/** The server's URL with a password in it, as a real DATABASE_URL has (PGlite does not check it). */
const urlWithPassword = () => server.url.replace('postgres@', 'postgres:hunter2-secret@');

/** What the pools logged, as JSON lines. */
const logged: string[] = [];
const record = (level: string) => (fields: Record<string, unknown>, message: string) => logged.push(JSON.stringify({ level, message, ...fields }));
const recordingLogger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error'), child: () => recordingLogger };

async function open(options: Partial<PostgresStateOptions> = {}): Promise<PostgresStateDatabase> {
  const db = await PostgresStateDatabase.open({ url: urlWithPassword(), poolSize: 2, statementTimeoutMs: 10_000, logger: recordingLogger, ...options });
  return track(db);
}

const answer = (id: string) => ({ id, createdAt: '2026-12-01T10:00:00.000Z', source: 'slash', guildId: 'g1', channelId: 'c1', mode: 'extractive', question: 'What is FaMUS?', answer: 'It is [1].', paperIds: ['p1'] });

describe('PostgreSQL state migrations', () => {
  it('creates the state schema at the latest version, with pgvector installed', async () => {
    const db = await open();
    expect(await db.schemaVersion()).toBe(POSTGRES_STATE_MIGRATIONS.length);
    expect((await db.appliedMigrations()).map((m) => m.name)).toEqual(['answers and feedback', 'digest subscriptions and posts', 'votes on digest entries', 'evidence with each answer', 'per-server settings', 'job runs and shared rate limits']);
    expect(await db.tables()).toEqual(['answer_evidence', 'answers', 'digest_posts', 'digest_subscriptions', 'digest_votes', 'feedback', 'guild_settings', 'job_runs', 'rate_limits', 'schema_migrations']);
    const [vector] = await db.pool.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname = 'vector'");
    expect(vector?.extname).toBe('vector');
  });

  it('runs only the migrations not yet applied, in order, when a new version adds one', async () => {
    (await open()).close();
    const next = sqlMigration(POSTGRES_STATE_MIGRATIONS.length + 1, 'a later table', 'CREATE TABLE later_table (id TEXT PRIMARY KEY)');
    const db = await open({ migrations: [...POSTGRES_STATE_MIGRATIONS, next] });
    expect(await db.schemaVersion()).toBe(next.version);
    expect((await db.appliedMigrations()).map((m) => m.version)).toEqual([...POSTGRES_STATE_MIGRATIONS.map((m) => m.version), next.version]);
    expect(await db.tables()).toContain('later_table');
  });

  it('rolls a failing migration back entirely, with the ones before it in the same run', async () => {
    (await open({ migrations: POSTGRES_STATE_MIGRATIONS.slice(0, 1) })).close();
    const broken: PostgresMigration[] = [
      ...POSTGRES_STATE_MIGRATIONS,
      sqlMigration(POSTGRES_STATE_MIGRATIONS.length + 1, 'bad', 'CREATE TABLE nonsense ('),
    ];
    await expect(open({ migrations: broken })).rejects.toThrow(/syntax error/);
    const db = await open({ migrations: POSTGRES_STATE_MIGRATIONS.slice(0, 1) });
    expect(await db.schemaVersion()).toBe(1);
    expect(await db.tables()).not.toContain('digest_posts');
  });

  it('refuses a database written by a newer paperbot, saying what to do, without the password', async () => {
    (await open({ migrations: [...POSTGRES_STATE_MIGRATIONS, sqlMigration(POSTGRES_STATE_MIGRATIONS.length + 1, 'future', 'SELECT 1')] })).close();
    const refused = await open().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect(refused).toMatchObject({ code: 'E_STATE_TOO_NEW' });
    expect((refused as Error).message).toBe(
      `${server.url} (the state database) was written by a newer paperbot (schema version ${POSTGRES_STATE_MIGRATIONS.length + 1}; this version knows up to ${POSTGRES_STATE_MIGRATIONS.length}). Update paperbot, or restore a backup of the state database.`,
    );
  });

  it('rejects a migration list with gaps', async () => {
    await expect(open({ migrations: [sqlMigration(2, 'x', 'SELECT 1')] })).rejects.toThrow(/numbered 1, 2, 3/);
  });
});

describe('pgvector', () => {
  it('refuses, in one sentence, a role that may not create the extension', async () => {
    await server.db.exec('DROP EXTENSION IF EXISTS vector; CREATE ROLE app NOSUPERUSER; SET ROLE app;');
    try {
      const refused = await open().catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'E_PGVECTOR_DENIED' });
      expect((refused as Error).message).toMatch(/^The database role of DATABASE_URL may not create the pgvector extension in postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(permission denied.*\): have the database's owner run CREATE EXTENSION vector; in it once, or connect as a role that may\.$/);
      expect((refused as Error).message).not.toContain('hunter2');
    } finally {
      await server.db.exec('RESET ROLE; DROP ROLE app;');
    }
  });

  it('refuses, in one sentence, a server that does not have it', async () => {
    const bare = await startPgliteServer({ pgvector: false });
    try {
      const refused = await PostgresStateDatabase.open({ url: bare.url, poolSize: 1, statementTimeoutMs: 10_000 }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'E_PGVECTOR_MISSING' });
      expect((refused as Error).message).toBe(
        `The database (${bare.url}) has no pgvector extension (extension "vector" is not available): install pgvector on the server (managed services offer it as the "vector" extension), or point DATABASE_URL at a server that has it.`,
      );
    } finally {
      await bare.close();
    }
  });
});

describe('a server restart', () => {
  it('fails the operation that meets it with one sentence; the next one works, on the same data', async () => {
    const db = await open();
    await db.feedback.recordAnswer(answer('a1'));

    await server.stop();
    const failed = await db.feedback.recordAnswer(answer('a2')).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(UserError);
    expect(failed).toMatchObject({ code: 'E_DATABASE_UNAVAILABLE' });
    // It may reach a Discord user: no host, no password; the log has where.
    expect((failed as Error).message).toMatch(/^The database is unreachable \((connection refused|the connection was closed)\): check that PostgreSQL is running and DATABASE_URL is right; the next operation connects again\.$/);
    expect(logged.join('\n')).toContain(`"database":"${server.url}"`);
    expect(logged.join('\n')).not.toContain('hunter2');

    await server.restart();
    await db.feedback.recordAnswer(answer('a2'));
    expect(await db.feedback.getAnswer('a1')).toEqual(answer('a1'));
    expect(await db.feedback.getAnswer('a2')).toEqual(answer('a2'));
  });

  it('drops the connections the server closed while idle, so the next operation connects afresh', async () => {
    const db = await open();
    // Two connections open and idle in the pool.
    await Promise.all([db.digests.subscriptions(), db.feedback.getAnswer('x')]);
    expect(db.pool.openConnections()).toBe(2);
    await server.stop();
    // As soon as the client side hears of the close (a real restart takes longer than that), they are gone.
    await vi.waitFor(() => expect(db.pool.openConnections()).toBe(0), { timeout: 2_000, interval: 10 });
    await server.restart();
    await db.feedback.recordAnswer(answer('a1'));
    expect(await db.feedback.getAnswer('a1')).toEqual(answer('a1'));
  });
});
