/**
 * The running bot's daily arXiv fetch (ARXIV_CATEGORIES): one croner job at ARXIV_FETCH_TIME in
 * ARXIV_FETCH_TIMEZONE (default 00:30 America/New_York, after arXiv's feed updates around midnight US
 * Eastern), plus one fetch at start when the last one is older than a day. Each fetch merges into the
 * corpus and updates the index, which the running bot and the day's digests then follow without a
 * restart. A failure is logged and recorded for /about; it never stops the bot. No discord.js here.
 */
import { Cron } from 'croner';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ArxivService, FetchReport } from './arxiv/arxiv-service.ts';

export interface DailyFetchOptions {
  arxiv: ArxivService;
  categories: readonly string[];
  /** HH:MM. */
  time: string;
  timeZone: string;
  logger: Logger;
  now: () => Date;
  /** Create the job paused: tests run it with `run()`. */
  pauseJobs?: boolean | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class DailyFetch {
  private job: Cron | null = null;
  private running: Promise<FetchReport | null> | null = null;

  constructor(private readonly options: DailyFetchOptions) {}

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
    const last = this.options.arxiv.status().lastFetch;
    if (last === null || this.options.now().getTime() - Date.parse(last.at) > DAY_MS) void this.run();
  }

  /** One fetch (a second call while one runs waits for it); never rejects: failures are logged and kept for /about. */
  run(): Promise<FetchReport | null> {
    this.running ??= this.fetch().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the job; a fetch under way finishes (its files are written atomically either way). */
  async stop(): Promise<void> {
    this.job?.stop();
    this.job = null;
    await this.running;
  }

  private async fetch(): Promise<FetchReport | null> {
    const { arxiv, categories, logger } = this.options;
    try {
      const report = await arxiv.fetchToday(categories);
      logger.info({ categories, added: report.added, updated: report.updated, unchanged: report.unchanged, skipped: report.skipped, requests: report.requests, note: report.note }, 'daily arXiv fetch done');
      return report;
    } catch (error) {
      logger.error({ categories, err: describeError(error) }, 'daily arXiv fetch failed');
      await arxiv.recordFailure(error).catch((logError: unknown) => logger.error({ err: describeError(logError) }, 'could not record the failed arXiv fetch'));
      return null;
    }
  }
}
