/**
 * Scheduled jobs' runs in the state database's `job_runs` table (core's JobClaimStore on SQLite). A claim is
 * one `INSERT … ON CONFLICT DO NOTHING` on the (job, period) key: SQLite's one writer across processes and
 * the key make exactly one of several processes on this file get a period. Built by StateDatabase.
 */
import type Database from 'better-sqlite3';
import type { JobClaimStore, JobRun } from '../../core/jobs/job-runs.ts';

const RUN = `job, period, holder, status, started_at AS startedAt, finished_at AS finishedAt, error`;

export class SqliteJobClaimStore implements JobClaimStore {
  private readonly insert: Database.Statement<[string, string, string, string]>;
  private readonly finish: Database.Statement<[string, string, string | null, string, string, string]>;
  private readonly select: Database.Statement<[string, string], JobRun>;
  private readonly latest: Database.Statement<[string], JobRun>;

  constructor(db: Database.Database) {
    this.insert = db.prepare<[string, string, string, string]>(`INSERT INTO job_runs (job, period, holder, status, started_at) VALUES (?, ?, ?, 'started', ?) ON CONFLICT (job, period) DO NOTHING`);
    // Only the holder ends its run, and only once: a late finish of a run taken over cannot overwrite another's.
    this.finish = db.prepare<[string, string, string | null, string, string, string]>(`UPDATE job_runs SET status = ?, finished_at = ?, error = ? WHERE job = ? AND period = ? AND holder = ? AND status = 'started'`);
    this.select = db.prepare<[string, string], JobRun>(`SELECT ${RUN} FROM job_runs WHERE job = ? AND period = ?`);
    this.latest = db.prepare<[string], JobRun>(`SELECT ${RUN} FROM job_runs WHERE job = ? ORDER BY started_at DESC, period DESC LIMIT 1`);
  }

  claimRun(job: string, period: string, holder: string, at: Date): boolean {
    return this.insert.run(job, period, holder, at.toISOString()).changes === 1;
  }

  finishRun({ job, period, holder, at, error }: Parameters<JobClaimStore['finishRun']>[0]): void {
    this.finish.run(error === null ? 'finished' : 'failed', at.toISOString(), error, job, period, holder);
  }

  run(job: string, period: string): JobRun | undefined {
    return this.select.get(job, period);
  }

  lastRun(job: string): JobRun | undefined {
    return this.latest.get(job);
  }
}
