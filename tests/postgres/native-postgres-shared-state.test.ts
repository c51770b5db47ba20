/**
 * What several bot processes share, between real sessions on a real PostgreSQL (the machine's PostgreSQL 15,
 * tests/support/native-postgres.ts; skipped, and reported as skipped, where it is not installed): of 8
 * claims of one job's day made at once from 4 pools exactly one wins (the unique key and ON CONFLICT DO
 * NOTHING), and of 20 questions of one user at once with a limit of 5 exactly 5 are allowed (each take holds
 * the user's row until it commits). PGlite runs every connection in one session, so it cannot show these.
 * Each race is made certain rather than likely: a gate session holds what the racers need, so all of them
 * are waiting at once (counted in pg_stat_activity) before it lets go.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobClaimStore } from '../../src/adapters/postgres/postgres-job-claim-store.ts';
import { migratePostgres } from '../../src/adapters/postgres/postgres-migrations.ts';
import { PostgresRateLimitStore } from '../../src/adapters/postgres/postgres-rate-limit-store.ts';
import { POSTGRES_STATE_MIGRATIONS } from '../../src/adapters/postgres/postgres-state-migrations.ts';
import { nativePostgresBinaries, useNativePostgres } from '../support/native-postgres.ts';

const STATE = { schema: 'state', what: 'the state database', tooNewCode: 'E_STATE_TOO_NEW', tooNewAdvice: 'Update paperbot.' };

describe.skipIf(nativePostgresBinaries() === undefined)('shared state on PostgreSQL 15 with real sessions', () => {
  const server = useNativePostgres();
  let gate: pg.Client;
  const pool = (poolSize: number) => server.pool(poolSize);
  /** Sessions waiting on a lock right now. */
  const waiting = async () => {
    // Inside a transaction pg_stat_activity is read once and kept: clear that to see it change.
    await gate.query('SELECT pg_stat_clear_snapshot()');
    return Number((await gate.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).rows[0]?.n);
  };

  beforeAll(async () => {
    await migratePostgres(pool(1), POSTGRES_STATE_MIGRATIONS, STATE);
    gate = new pg.Client({ connectionString: server.url() });
    await gate.connect();
  }, 30_000);
  afterAll(async () => {
    await gate?.end();
  });

  it('lets exactly one of 8 simultaneous claims of the daily fetch from 4 processes win, and none fail', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresJobClaimStore(pool(2)));
    await gate.query('BEGIN');
    try {
      // The day's row written and held uncommitted: every claim waits on the key.
      await gate.query(`INSERT INTO job_runs (job, period, holder, status, started_at) VALUES ('arxiv-fetch', '2026-12-02', 'gate', 'started', now())`);
      const claims = Promise.all(stores.flatMap((store, p) => [0, 1].map((i) => store.claimRun('arxiv-fetch', '2026-12-02', `process ${p} claim ${i}`, new Date('2026-12-02T05:30:00Z')))));
      await expect.poll(waiting, { timeout: 5_000 }).toBe(8);
      await gate.query('ROLLBACK');
      const results = await claims;
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await stores[0]!.run('arxiv-fetch', '2026-12-02')).toMatchObject({ holder: `process ${Math.floor(winner / 2)} claim ${winner % 2}`, status: 'started' });
    } finally {
      await gate.query('ROLLBACK');
    }
  });

  it('allows exactly 5 of 20 simultaneous questions of one user from 4 processes, with a limit of 5', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresRateLimitStore(pool(5)));
    const limit = { questions: 5, windowMs: 60_000 };
    const now = 1_000_000;
    await gate.query(`INSERT INTO rate_limits (user_id, times, warned_at, seen_at) VALUES ('u1', '[]', NULL, $1)`, [now]);
    await gate.query('BEGIN');
    try {
      // The user's row held by the gate: every take waits on it.
      await gate.query(`SELECT 1 FROM rate_limits WHERE user_id = 'u1' FOR UPDATE`);
      const takes = Promise.all(stores.flatMap((store) => Array.from({ length: 5 }, (_, i) => store.take('u1', now + i, limit))));
      await expect.poll(waiting, { timeout: 5_000 }).toBe(20);
      await gate.query('COMMIT');
      const decisions = await takes;
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(decisions.filter((d) => !d.allowed)).toHaveLength(15);
      const [row] = (await gate.query<{ times: number[] }>(`SELECT times FROM rate_limits WHERE user_id = 'u1'`)).rows;
      expect(row?.times).toHaveLength(5);
    } finally {
      await gate.query('ROLLBACK');
    }
  });
});
