/**
 * Scheduled jobs that must run once per period however many bot processes share the state (shards, a
 * failover instance): the daily arXiv fetch, once per local day. A run is claimed before any work, as one
 * unique row (job, period): of several processes claiming the same period exactly one gets it, the others
 * see who has it. The row then records how the run ended, for `/about`. A process that dies mid-run leaves
 * its row `started`: that period is not run again (at most once), the next period is claimed as usual.
 * `JobClaimStore` is the port; the SQLite and PostgreSQL stores implement it under one contract suite.
 */
import type { Awaitable } from '../awaitable.ts';

/** `started`: claimed, running (or its process stopped before the end); `finished` or `failed`: it ended. */
export type JobRunStatus = 'started' | 'finished' | 'failed';

export interface JobRun {
  job: string;
  /** What the run is for, e.g. the local date `YYYY-MM-DD` of a daily job. */
  period: string;
  /** Which process claimed it (host and pid), as a person reads it. */
  holder: string;
  status: JobRunStatus;
  /** ISO instant of the claim. */
  startedAt: string;
  finishedAt: string | null;
  /** Why a failed run failed (one sentence). */
  error: string | null;
}

export interface JobClaimStore {
  /** Claims (job, period) for `holder` at `at`: true for exactly one caller across every process sharing the store. */
  claimRun(job: string, period: string, holder: string, at: Date): Awaitable<boolean>;
  /** Records the end of a run this holder claimed: `error` null is a success. */
  finishRun(run: { job: string; period: string; holder: string; at: Date; error: string | null }): Awaitable<void>;
  /** The run of (job, period), if claimed. */
  run(job: string, period: string): Awaitable<JobRun | undefined>;
  /** The job's most recently claimed run. */
  lastRun(job: string): Awaitable<JobRun | undefined>;
}
