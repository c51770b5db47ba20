/**
 * The contract of the state that several bot processes share (core's JobClaimStore and RateLimitStore),
 * run with the other state stores' (state-stores.contract.ts) against SQLite and PostgreSQL on the wire:
 * a job's period is claimed by exactly one caller (also from a second connection, as another process),
 * its end recorded for its holder only; a user's questions are counted in one sliding window whichever
 * connection asks, with the in-memory limiter's rule (src/core/rate-limit/rate-limit.ts), and idle
 * windows are swept. Races between real sessions: tests/postgres/native-postgres-shared-state.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { StateBackend } from './state-stores.contract.ts';

const T = (iso: string) => new Date(iso);
const JOB = 'arxiv-fetch';

export function jobClaimStoreContract(backend: StateBackend): void {
  describe('the job claim store', () => {
    it('lets exactly one caller claim a job’s period, also from another connection, and says who holds it', async () => {
      const db = await backend.open();
      expect(await db.jobClaims.lastRun(JOB)).toBeUndefined();
      expect(await db.jobClaims.claimRun(JOB, '2026-12-02', 'host-a pid 1', T('2026-12-02T05:30:00Z'))).toBe(true);
      expect(await db.jobClaims.claimRun(JOB, '2026-12-02', 'host-a pid 1', T('2026-12-02T05:30:01Z'))).toBe(false);
      const other = await backend.open();
      expect(await other.jobClaims.claimRun(JOB, '2026-12-02', 'host-b pid 2', T('2026-12-02T05:30:02Z'))).toBe(false);
      // Another job's same period is its own.
      expect(await other.jobClaims.claimRun('other-job', '2026-12-02', 'host-b pid 2', T('2026-12-02T05:30:02Z'))).toBe(true);
      expect(await other.jobClaims.run(JOB, '2026-12-02')).toEqual({
        job: JOB,
        period: '2026-12-02',
        holder: 'host-a pid 1',
        status: 'started',
        startedAt: '2026-12-02T05:30:00.000Z',
        finishedAt: null,
        error: null,
      });
      await other.close();
      await db.close();
    });

    it('lets one of several claims made at once win, whichever connection they come from', async () => {
      const [a, b] = [await backend.open(), await backend.open()];
      const results = await Promise.all([a, b, a, b, a, b].map((db, i) => db.jobClaims.claimRun(JOB, '2026-12-02', `holder ${i}`, T('2026-12-02T05:30:00Z'))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await a.jobClaims.run(JOB, '2026-12-02'))?.holder).toBe(`holder ${results.indexOf(true)}`);
      await a.close();
      await b.close();
    });

    it('records how a run ended for its holder only, once; a run left started does not stop the next period', async () => {
      const db = await backend.open();
      const { jobClaims } = db;
      await jobClaims.claimRun(JOB, '2026-12-01', 'host-a pid 1', T('2026-12-01T05:30:00Z'));
      // host-a died mid-run: its row stays started. The next day is claimed as usual.
      expect(await jobClaims.claimRun(JOB, '2026-12-02', 'host-b pid 2', T('2026-12-02T05:30:00Z'))).toBe(true);
      await jobClaims.finishRun({ job: JOB, period: '2026-12-02', holder: 'host-a pid 1', at: T('2026-12-02T05:31:00Z'), error: null });
      expect(await jobClaims.run(JOB, '2026-12-02')).toMatchObject({ status: 'started', finishedAt: null });
      await jobClaims.finishRun({ job: JOB, period: '2026-12-02', holder: 'host-b pid 2', at: T('2026-12-02T05:32:00Z'), error: null });
      await jobClaims.finishRun({ job: JOB, period: '2026-12-02', holder: 'host-b pid 2', at: T('2026-12-02T05:33:00Z'), error: 'too late' });
      expect(await jobClaims.lastRun(JOB)).toEqual({
        job: JOB,
        period: '2026-12-02',
        holder: 'host-b pid 2',
        status: 'finished',
        startedAt: '2026-12-02T05:30:00.000Z',
        finishedAt: '2026-12-02T05:32:00.000Z',
        error: null,
      });
      expect(await jobClaims.run(JOB, '2026-12-01')).toMatchObject({ status: 'started', holder: 'host-a pid 1' });

      await jobClaims.claimRun(JOB, '2026-12-03', 'host-b pid 2', T('2026-12-03T05:30:00Z'));
      await jobClaims.finishRun({ job: JOB, period: '2026-12-03', holder: 'host-b pid 2', at: T('2026-12-03T05:30:09Z'), error: 'arXiv is unreachable' });
      expect(await jobClaims.lastRun(JOB)).toMatchObject({ period: '2026-12-03', status: 'failed', finishedAt: '2026-12-03T05:30:09.000Z', error: 'arXiv is unreachable' });
      await db.close();
    });

    it('adds the job and rate-limit tables to a database of the version before, keeping what it holds', async () => {
      const before = await backend.open({ upTo: backend.migrations - 1 });
      const settings = { guildId: 'g1', answersPrivate: true, mentionChannels: null, digestTimeZone: 'UTC', updatedBy: 'u1', updatedAt: '2026-12-01T10:00:00.000Z' };
      await before.guildSettings.save(settings);
      await before.close();
      const db = await backend.open();
      expect(await db.schemaVersion()).toBe(backend.migrations);
      expect((await db.appliedMigrations()).at(-1)?.name).toBe('job runs and shared rate limits');
      expect(await db.guildSettings.get('g1')).toEqual(settings);
      expect(await db.jobClaims.claimRun(JOB, '2026-12-02', 'h', T('2026-12-02T05:30:00Z'))).toBe(true);
      expect(await db.rateLimits.take('u1', 0, { questions: 1, windowMs: 1000 })).toEqual({ allowed: true });
      await db.close();
    });
  });
}

export function rateLimitStoreContract(backend: StateBackend): void {
  const limit = { questions: 3, windowMs: 60_000 };

  describe('the rate limit store', () => {
    it('counts a user’s questions in one sliding window whichever connection asks, and other users apart', async () => {
      const [a, b] = [await backend.open(), await backend.open()];
      const t0 = 1_000_000;
      expect(await a.rateLimits.take('u', t0, limit)).toEqual({ allowed: true });
      expect(await b.rateLimits.take('u', t0 + 10_000, limit)).toEqual({ allowed: true });
      expect(await a.rateLimits.take('u', t0 + 20_000, limit)).toEqual({ allowed: true });
      expect(await b.rateLimits.take('u', t0 + 30_000, limit)).toEqual({ allowed: false, retryAfterMs: 30_000, firstRefusal: true });
      expect(await b.rateLimits.take('someone else', t0 + 30_000, limit)).toEqual({ allowed: true });
      // The first question leaves the window at t0 + 60 s: one more fits, then the second's turn.
      expect(await a.rateLimits.take('u', t0 + 60_001, limit)).toEqual({ allowed: true });
      expect(await b.rateLimits.take('u', t0 + 60_002, limit)).toEqual({ allowed: false, retryAfterMs: 9_998, firstRefusal: true });
      await a.close();
      await b.close();
    });

    it('marks only the first visible refusal of a window as first, across connections; private refusals are always first', async () => {
      const [a, b] = [await backend.open(), await backend.open()];
      const one = { questions: 1, windowMs: 1000 };
      expect(await a.rateLimits.take('u', 5000, one)).toEqual({ allowed: true });
      expect(await a.rateLimits.take('u', 5100, one)).toMatchObject({ allowed: false, firstRefusal: true });
      expect(await b.rateLimits.take('u', 5200, one, { visible: true })).toMatchObject({ allowed: false, firstRefusal: true });
      expect(await a.rateLimits.take('u', 5300, one, { visible: true })).toMatchObject({ allowed: false, firstRefusal: false });
      expect(await b.rateLimits.take('u', 5400, one)).toMatchObject({ allowed: false, firstRefusal: true });
      expect(await a.rateLimits.take('u', 6001, one)).toEqual({ allowed: true });
      expect(await b.rateLimits.take('u', 6100, one, { visible: true })).toMatchObject({ allowed: false, firstRefusal: false });
      // The visible refusal at 5200 left the window at 6200.
      expect(await b.rateLimits.take('u', 6300, one, { visible: true })).toMatchObject({ allowed: false, firstRefusal: true });
      await a.close();
      await b.close();
    });

    it('sweeps the windows of users idle for a whole window', async () => {
      const db = await backend.open();
      const one = { questions: 1, windowMs: 1000 };
      for (let i = 0; i < 20; i++) await db.rateLimits.take(`user${i}`, 10_000 + i, one);
      expect(await backend.rows('rate_limits')).toBe(20);
      await db.rateLimits.take('someone', 20_000, one);
      expect(await backend.rows('rate_limits')).toBe(1);
      await db.close();
    });
  });
}
