/**
 * What holds between real sessions, on a real PostgreSQL server (the machine's PostgreSQL 15, see
 * tests/support/native-postgres.ts; skipped, and reported as skipped, where it is not installed): of many
 * claims of one channel's day made at once from separate pools, exactly one wins and none fails (the
 * unique key and ON CONFLICT DO NOTHING, not luck), and processes starting together migrate once (the
 * advisory lock), and a statement past DATABASE_STATEMENT_TIMEOUT_MS is cancelled with one sentence. PGlite
 * runs every connection in one session and enforces no statement timeout, so it cannot show these.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresDigestStore } from '../../src/adapters/postgres/postgres-digest-store.ts';
import { migratePostgres, postgresAppliedMigrations } from '../../src/adapters/postgres/postgres-migrations.ts';
import { POSTGRES_STATE_MIGRATIONS } from '../../src/adapters/postgres/postgres-state-migrations.ts';
import { nativePostgresBinaries, useNativePostgres } from '../support/native-postgres.ts';

const STATE = { schema: 'state', what: 'the state database', tooNewCode: 'E_STATE_TOO_NEW', tooNewAdvice: 'Update paperbot.' };

describe.skipIf(nativePostgresBinaries() === undefined)('PostgreSQL 15 with real sessions', () => {
  const server = useNativePostgres();
  const pool = () => server.pool(4);

  it('migrates once when several processes start at the same moment', async () => {
    const processes = Array.from({ length: 5 }, pool);
    const applied = await Promise.all(processes.map((p) => migratePostgres(p, POSTGRES_STATE_MIGRATIONS, STATE)));
    expect(applied.flat().sort()).toEqual(POSTGRES_STATE_MIGRATIONS.map((m) => m.version));
    expect(await postgresAppliedMigrations(processes[0]!, 'state')).toHaveLength(POSTGRES_STATE_MIGRATIONS.length);
  });

  it('lets exactly one of many simultaneous claims of a channel’s day win, and none fail', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresDigestStore(pool()));
    const [first] = stores;
    await first!.saveSubscription({ channelId: 'c1', guildId: 'g1', time: '09:00', timeZone: 'UTC', count: 3, topic: null, userId: 'u1', now: new Date('2026-03-01T00:00:00Z') });
    const claim = { channelId: 'c1', guildId: 'g1', localDate: '2026-03-02', paperIds: ['p1'], pickedAt: new Date('2026-03-02T09:00:00Z') };
    // To make the race certain rather than likely: a session writes the day's row and holds it uncommitted,
    // so every claim passes its "no record yet" check (it cannot see that row) and waits on the key.
    const gate = new pg.Client({ connectionString: server.url() });
    await gate.connect();
    try {
      await gate.query('BEGIN');
      await gate.query(`INSERT INTO digest_posts (channel_id, local_date, guild_id, status, paper_ids, picked_at) VALUES ('c1', '2026-03-02', 'g1', 'sending', '[]', now())`);
      // 16 claims over 16 connections in 4 pools, each INSERT in its own session.
      const claims = Promise.all(stores.flatMap((store) => Array.from({ length: 4 }, () => store.claimPost(claim))));
      const waiting = async () => {
        // Inside a transaction pg_stat_activity is read once and kept: clear that to see it change.
        await gate.query('SELECT pg_stat_clear_snapshot()');
        return (await gate.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rows[0]?.n;
      };
      await expect.poll(waiting, { timeout: 5_000 }).toBe('16');
      await gate.query('ROLLBACK');
      const results = await claims;
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await gate.end();
    }
    expect(await first!.posts('c1')).toMatchObject([{ localDate: '2026-03-02', status: 'sending', paperIds: ['p1'] }]);
  });

  it('cancels a statement that outlives DATABASE_STATEMENT_TIMEOUT_MS, saying so in one sentence', async () => {
    const impatient = server.pool(1, 200);
    const failed = await impatient.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
    expect(failed).toMatchObject({
      code: 'E_DATABASE_TIMEOUT',
      message: 'The database took longer than DATABASE_STATEMENT_TIMEOUT_MS (200 ms) and cancelled the statement; try again, or raise the limit.',
    });
    // The connection is fine afterwards.
    expect(await impatient.query<{ x: number }>('SELECT 1 AS x')).toEqual([{ x: 1 }]);
  });
});
