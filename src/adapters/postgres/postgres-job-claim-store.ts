/**
 * Scheduled jobs' runs in PostgreSQL's `job_runs` table (core's JobClaimStore; the SQLite one is
 * src/adapters/store/sqlite-job-claim-store.ts, under the same contract tests). A claim is one
 * `INSERT … ON CONFLICT DO NOTHING` on the (job, period) key: of many processes claiming at once, exactly
 * one writes the row. That rests on the unique key alone, which one session enforces too, not on locks.
 */
import type { JobClaimStore, JobRun } from '../../core/jobs/job-runs.ts';
import type { PostgresPool } from './postgres-pool.ts';

const RUN = `job, period, holder, status, started_at AS "startedAt", finished_at AS "finishedAt", error`;

type Row = Omit<JobRun, 'startedAt' | 'finishedAt'> & { startedAt: Date; finishedAt: Date | null };

export class PostgresJobClaimStore implements JobClaimStore {
  constructor(private readonly pool: PostgresPool) {}

  async claimRun(job: string, period: string, holder: string, at: Date): Promise<boolean> {
    const written = await this.pool.execute(
      `INSERT INTO job_runs (job, period, holder, status, started_at) VALUES ($1, $2, $3, 'started', $4) ON CONFLICT (job, period) DO NOTHING`,
      [job, period, holder, at],
    );
    return written === 1;
  }

  async finishRun({ job, period, holder, at, error }: Parameters<JobClaimStore['finishRun']>[0]): Promise<void> {
    // Only the holder ends its run, and only once.
    await this.pool.execute(
      `UPDATE job_runs SET status = $1, finished_at = $2, error = $3 WHERE job = $4 AND period = $5 AND holder = $6 AND status = 'started'`,
      [error === null ? 'finished' : 'failed', at, error, job, period, holder],
    );
  }

  async run(job: string, period: string): Promise<JobRun | undefined> {
    const [row] = await this.pool.query<Row>(`SELECT ${RUN} FROM job_runs WHERE job = $1 AND period = $2`, [job, period]);
    return row === undefined ? undefined : toRun(row);
  }

  async lastRun(job: string): Promise<JobRun | undefined> {
    const [row] = await this.pool.query<Row>(`SELECT ${RUN} FROM job_runs WHERE job = $1 ORDER BY started_at DESC, period DESC LIMIT 1`, [job]);
    return row === undefined ? undefined : toRun(row);
  }
}

function toRun(row: Row): JobRun {
  return { ...row, startedAt: row.startedAt.toISOString(), finishedAt: row.finishedAt?.toISOString() ?? null };
}
