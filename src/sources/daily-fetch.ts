/**
 * The running bot's daily arXiv fetch (ARXIV_CATEGORIES): one croner job at ARXIV_FETCH_TIME in
 * ARXIV_FETCH_TIMEZONE (default 00:30 America/New_York, after arXiv's feed updates around midnight US
 * Eastern), plus one fetch at start when the last one is older than a day. Each fetch merges into the
 * corpus and updates the index, which the running bot and the day's digests then follow without a
 * restart. A failure is logged and recorded for /about; it never stops the bot. No discord.js here.
 *
 * Once a day however many processes share the state (shards, a second instance): every fetch, the job's
 * and the catch-up's, first claims ('arxiv-fetch', its local date in ARXIV_FETCH_TIMEZONE) in the state's
 * JobClaimStore. Exactly one process gets the day and fetches; the others log (info) who has it and fetch
 * nothing. A process that dies mid-fetch leaves the day's claim `started`: that day is not fetched again,
 * the next day is as usual; /about shows when and by whom the last fetch started and finished.
 */
import os from 'node:os';
import { Cron } from 'croner';
import type { Awaitable } from '../core/awaitable.ts';
import { scheduledAt, localDate } from '../core/digest/schedule.ts';
import { describeError } from '../core/errors.ts';
import type { JobClaimStore, JobRun } from '../core/jobs/job-runs.ts';
import type { Logger } from '../core/logger.ts';
import type { ArxivService, FetchReport } from './arxiv/arxiv-service.ts';

/** The daily fetch's name in the job claims. */
const DAILY_FETCH_JOB = 'arxiv-fetch';

export interface DailyFetchOptions {
  arxiv: ArxivService;
  categories: readonly string[];
  /** HH:MM. */
  time: string;
  timeZone: string;
  logger: Logger;
  now: () => Date;
  /** Where the day's fetch is claimed: the state every bot process shares (opened when first needed). */
  claims: () => Awaitable<JobClaimStore>;
  /** Who claims, as /about shows it (default: this host and pid). */
  holder?: string | undefined;
  /** Create the job paused: tests run it with `run()`. */
  pauseJobs?: boolean | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class DailyFetch {
  private job: Cron | null = null;
  private running: Promise<FetchReport | null> | null = null;
  private catchingUp: Promise<void> | null = null;
  private readonly holder: string;

  constructor(private readonly options: DailyFetchOptions) {
    this.holder = options.holder ?? `${os.hostname()} pid ${process.pid}`;
  }

  /** The croner pattern (`M H * * *`). */
  get pattern(): string {
    const [hours = '0', minutes = '0'] = this.options.time.split(':');
    return `${Number(minutes)} ${Number(hours)} * * *`;
  }

  /** When the job runs next (null before start or when paused). */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** Schedules the job; fetches now (in the background) when the last fetch is older than a day. */
  start(): void {
    if (this.job !== null) return;
    const { categories, timeZone, logger, pauseJobs } = this.options;
    const jobOptions = {
      timezone: timeZone,
      paused: pauseJobs ?? false,
      // A fetch still running (arXiv slow, a big index update) is not started twice.
      protect: true,
      catch: (error: unknown) => logger.error({ err: describeError(error) }, 'the daily arXiv fetch job failed'),
    };
    this.job = new Cron(this.pattern, jobOptions, async () => {
      await this.run();
    });
    logger.info({ categories, pattern: this.pattern, timeZone }, 'daily arXiv fetch scheduled');
    this.catchingUp = this.catchUp().catch((error: unknown) => logger.error({ err: describeError(error) }, 'the daily arXiv fetch could not catch up at start'));
  }

  /**
   * One fetch for `period` (default: today's local date), if this process claims it (a second call while
   * one runs waits for it). Never rejects: failures are logged and kept for /about; a day claimed already
   * (by another process, or earlier) fetches nothing and says by whom in the report's note.
   */
  run(period?: string): Promise<FetchReport | null> {
    this.running ??= this.claimAndFetch(period ?? localDate(this.options.now(), this.options.timeZone)).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The most recently claimed daily fetch, whichever process claimed it (for /about). */
  async lastRun(): Promise<JobRun | undefined> {
    return (await this.options.claims()).lastRun(DAILY_FETCH_JOB);
  }

  /** Stops the job; a fetch under way finishes (its files are written atomically either way). */
  async stop(): Promise<void> {
    this.job?.stop();
    this.job = null;
    await this.catchingUp;
    await this.running;
  }

  /** The catch-up at start: a fetch when neither this data folder nor the shared claims saw one in a day. */
  private async catchUp(): Promise<void> {
    const { arxiv, now } = this.options;
    const seen = [arxiv.status().lastFetch?.at, (await this.lastRun())?.startedAt].filter((at) => at !== undefined).map((at) => Date.parse(at));
    if (this.job === null || (seen.length > 0 && now().getTime() - Math.max(...seen) <= DAY_MS)) return;
    await this.run(this.fetchDay(now()));
  }

  /** The day whose scheduled fetch is the latest one at `instant`: today once its time has passed, else yesterday. */
  private fetchDay(instant: Date): string {
    const { time, timeZone } = this.options;
    const today = localDate(instant, timeZone);
    const at = scheduledAt({ time, timeZone }, today);
    if (at === null || instant.getTime() >= at.getTime()) return today;
    const [y = 0, m = 1, d = 1] = today.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  }

  private async claimAndFetch(period: string): Promise<FetchReport | null> {
    const { categories, logger, now } = this.options;
    let claims: JobClaimStore;
    try {
      claims = await this.options.claims();
      if (!(await claims.claimRun(DAILY_FETCH_JOB, period, this.holder, now()))) {
        const run = await claims.run(DAILY_FETCH_JOB, period);
        const by = run === undefined ? 'another process' : `${run.holder} (started ${run.startedAt}, ${run.status})`;
        logger.info({ categories, period, holder: run?.holder, startedAt: run?.startedAt, status: run?.status }, 'the daily arXiv fetch of this day was done elsewhere: not fetching');
        return { added: 0, updated: 0, unchanged: 0, skipped: 0, requests: 0, problems: [], addedIds: [], index: null, note: `the fetch of ${period} was claimed by ${by}` };
      }
    } catch (error) {
      logger.error({ categories, period, err: describeError(error) }, 'could not claim the daily arXiv fetch: not fetching');
      return null;
    }
    const { report, error } = await this.fetch();
    try {
      await claims.finishRun({ job: DAILY_FETCH_JOB, period, holder: this.holder, at: now(), error });
    } catch (finishError) {
      logger.error({ period, err: describeError(finishError) }, 'could not record the end of the daily arXiv fetch');
    }
    return report;
  }

  private async fetch(): Promise<{ report: FetchReport | null; error: string | null }> {
    const { arxiv, categories, logger } = this.options;
    try {
      const report = await arxiv.fetchToday(categories);
      logger.info({ categories, added: report.added, updated: report.updated, unchanged: report.unchanged, skipped: report.skipped, requests: report.requests, note: report.note }, 'daily arXiv fetch done');
      return { report, error: null };
    } catch (error) {
      logger.error({ categories, err: describeError(error) }, 'daily arXiv fetch failed');
      await arxiv.recordFailure(error).catch((logError: unknown) => logger.error({ err: describeError(logError) }, 'could not record the failed arXiv fetch'));
      return { report: null, error: describeError(error) };
    }
  }
}
