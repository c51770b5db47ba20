/**
 * Posts each channel's daily digest at its local time, exactly once per local day, across restarts.
 *
 * - One croner job per subscription, in the subscription's IANA zone (croner handles DST), rebuilt at start
 *   and after every subscribe/unsubscribe. A job only says "look now": whether a digest is due is decided by
 *   `dueDigest` (src/core/digest/schedule.ts) from the clock and the store, so a late, early, double or
 *   missed timer can never post twice or skip a day that is still today.
 * - At start the same check runs once for every subscription: that is the catch-up. After three days down,
 *   only today's digest is due (once its time has passed), so exactly one post.
 * - Claim, then send: the post record (channel, local date), with its papers in entry order, is claimed in
 *   the store BEFORE the first message is sent, and marked sent after. A crash, a restart or a second
 *   process finds the record and never sends that day again (at most once per day; a send cut short by a
 *   crash is not repeated). Everything that can fail without sending (composing, rendering) happens before
 *   the claim, so such a failure leaves the day free to be tried again.
 * - Failures are recorded, never thrown: a channel the sender cannot post to, an outage or a bug in one
 *   subscription sets its `lastError` (the sender's sentence, shown by `/digest status`), marks that day's
 *   record failed, and the next day tries again. The subscription is kept (only unsubscribing deletes one);
 *   the others go on.
 *
 * Tests inject `now` and drive time with `tick()`; the jobs are real croner jobs (created paused in tests).
 */
import { Cron } from 'croner';
import type { DigestStore, DigestSubscription } from '../core/digest/digest-store.ts';
import { dueDigest, parseDigestTime } from '../core/digest/schedule.ts';
import type { Logger } from '../core/logger.ts';
import { describeForLog } from '../core/redact-secrets.ts';
import { newRequestId, runWithRequest } from '../core/request-context.ts';
import type { ComposedDigest, DigestSettings } from './compose-digest.ts';
import type { DigestSender, RenderedDigestPart } from './digest-sender.ts';

/** Composes a channel's digest for `localDate` as of `now` (src/digest/compose-digest.ts, wired by the service). */
export type ComposeDigest = (settings: DigestSettings, at: { now: Date; localDate?: string }) => Promise<ComposedDigest>;

export interface DigestSchedulerOptions {
  store: DigestStore;
  compose: ComposeDigest;
  sender: DigestSender;
  logger: Logger;
  now: () => Date;
  /** Scrubbed from logged errors (the bot token). */
  secrets?: readonly string[] | undefined;
  /** Create the croner jobs paused: tests drive time with `tick()` (or `trigger()` a job). */
  pauseJobs?: boolean | undefined;
  /** Digests composed and sent at the same time (each asks the language model for its TL;DRs at once). */
  concurrency?: number | undefined;
}

export interface DigestJob {
  channelId: string;
  /** The croner pattern: `M H * * *`. */
  pattern: string;
  timeZone: string;
  cron: Cron;
}

export type DigestRunResult =
  | { channelId: string; outcome: 'posted'; localDate: string; paperIds: string[]; messageIds: string[] }
  | { channelId: string; outcome: 'not-due' }
  /** Someone else has the day (another process, or the same day already claimed), or it was unsubscribed. */
  | { channelId: string; outcome: 'skipped'; reason: string }
  | { channelId: string; outcome: 'failed'; localDate: string | null; error: string };

const DEFAULT_CONCURRENCY = 3;

export class DigestScheduler {
  private readonly jobsByChannel = new Map<string, DigestJob>();
  private readonly running = new Map<string, Promise<DigestRunResult>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Rebuilds run one after another, so the last change always wins. */
  private rebuilding: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;

  constructor(private readonly options: DigestSchedulerOptions) {}

  /** Creates the jobs, then runs the catch-up check once (in the background; `idle()` waits for it). */
  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    this.started = true;
    await this.rebuildJobs();
    this.options.logger.info({ subscriptions: this.jobsByChannel.size }, 'digest scheduler started: catching up on digests due today');
    this.track(
      this.tick().then((results) => {
        const count = (outcome: DigestRunResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
        this.options.logger.info({ checked: results.length, posted: count('posted'), failed: count('failed'), skipped: count('skipped') }, 'digest catch-up done');
      }),
    );
  }

  /** Stops every job and takes no new work, then waits for digests being sent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearJobs();
    await this.idle();
  }

  /** Resolves when no digest work is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** The croner jobs, one per subscription. */
  jobs(): DigestJob[] {
    return [...this.jobsByChannel.values()];
  }

  /** One job per subscription, made afresh from the store (after any change). */
  rebuildJobs(): Promise<void> {
    const rebuilt = this.rebuilding.then(() => this.replaceJobs());
    // The next rebuild runs whatever became of this one; this one's caller gets its error.
    this.rebuilding = rebuilt.then(
      () => undefined,
      () => undefined,
    );
    return rebuilt;
  }

  /**
   * Checks every subscription against the clock and posts the digests that are due (the catch-up at start,
   * and what tests call to move time). Never rejects.
   */
  async tick(): Promise<DigestRunResult[]> {
    let subscriptions: DigestSubscription[];
    try {
      subscriptions = await this.options.store.subscriptions();
    } catch (error) {
      this.options.logger.error({ err: this.describe(error) }, 'could not read the digest subscriptions');
      return [];
    }
    const results: DigestRunResult[] = [];
    const queue = subscriptions.map((s) => s.channelId);
    const worker = async (): Promise<void> => {
      for (let channelId = queue.shift(); channelId !== undefined; channelId = queue.shift()) results.push(await this.runChannel(channelId));
    };
    await Promise.all(Array.from({ length: Math.min(queue.length, this.options.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    return results;
  }

  /** Posts the channel's digest if it is due now (what its job calls). One run per channel at a time. Never rejects. */
  runChannel(channelId: string): Promise<DigestRunResult> {
    const current = this.running.get(channelId);
    if (current !== undefined) return current;
    const run = runWithRequest(newRequestId(), () => this.postIfDue(channelId)).finally(() => this.running.delete(channelId));
    this.running.set(channelId, run);
    this.track(run);
    return run;
  }

  /** Whether this process is posting (or composing) the channel's digest right now. */
  isPosting(channelId: string): boolean {
    return this.running.has(channelId);
  }

  // ----- internals -------------------------------------------------------------------------------------------

  private async replaceJobs(): Promise<void> {
    const subscriptions = this.stopping ? [] : await this.options.store.subscriptions();
    this.clearJobs();
    if (this.stopping) return;
    const invalid: DigestSubscription[] = [];
    for (const subscription of subscriptions) {
      try {
        this.jobsByChannel.set(subscription.channelId, this.createJob(subscription));
      } catch (error) {
        invalid.push(subscription);
        this.options.logger.error({ channelId: subscription.channelId, err: this.describe(error) }, 'could not schedule a digest');
      }
    }
    // A row edited by hand into an invalid time or zone must not stop the other digests.
    for (const { channelId, time, timeZone } of invalid) {
      const error = `the schedule ${time} ${timeZone} is invalid: subscribe again with a valid time and zone`;
      await this.options.store.recordError({ channelId, at: this.options.now(), error });
    }
  }

  private clearJobs(): void {
    for (const job of this.jobsByChannel.values()) job.cron.stop();
    this.jobsByChannel.clear();
  }

  private createJob(subscription: DigestSubscription): DigestJob {
    const { hour, minute } = parseDigestTime(subscription.time);
    const pattern = `${minute} ${hour} * * *`;
    const { channelId, timeZone } = subscription;
    const cron = new Cron(
      pattern,
      {
        timezone: timeZone,
        paused: this.options.pauseJobs ?? false,
        // A run still going (a slow model) is not started again; the timers never keep the process alive.
        protect: true,
        unref: true,
        catch: (error: unknown) => this.options.logger.error({ channelId, err: this.describe(error) }, 'a digest job failed'),
      },
      async () => {
        await this.runChannel(channelId);
      },
    );
    return { channelId, pattern, timeZone, cron };
  }

  private async postIfDue(channelId: string): Promise<DigestRunResult> {
    const { store, logger, sender } = this.options;
    let day: string | null = null;
    try {
      const subscription = await store.subscription(channelId);
      if (subscription === undefined) return { channelId, outcome: 'skipped', reason: 'unsubscribed' };
      if (this.stopping) return { channelId, outcome: 'skipped', reason: 'shutting down' };
      const now = this.options.now();
      const schedule = { time: subscription.time, timeZone: subscription.timeZone, activeSince: new Date(subscription.activeSince) };
      day = dueDigest(schedule, await store.latestPostDate(channelId), now);
      if (day === null) return { channelId, outcome: 'not-due' };

      const digest = await this.options.compose(subscription, { now, localDate: day });
      const parts = sender.render(digest.message);
      if (this.stopping) return { channelId, outcome: 'skipped', reason: 'shutting down' };
      // The claim checks this again, atomically; here it is only for a precise reason.
      if ((await store.subscription(channelId)) === undefined) return { channelId, outcome: 'skipped', reason: 'unsubscribed' };
      if (!(await store.claimPost({ channelId, guildId: subscription.guildId, localDate: day, paperIds: digest.paperIds, pickedAt: digest.pickedAt }))) {
        return { channelId, outcome: 'skipped', reason: `the digest of ${day} is already claimed` };
      }
      return await this.send(subscription, digest, parts);
    } catch (error) {
      const errorId = newRequestId();
      const sentence = `the digest could not be prepared (unexpected error, id ${errorId} in the log)`;
      logger.error({ errorId, channelId, localDate: day, err: this.describe(error) }, 'a digest failed');
      try {
        await store.recordError({ channelId, at: this.options.now(), error: sentence });
      } catch (recordError) {
        logger.error({ channelId, err: this.describe(recordError) }, 'could not record a digest failure');
      }
      return { channelId, outcome: 'failed', localDate: day, error: sentence };
    }
  }

  /** Sends a claimed digest, then marks its record sent, or failed with the sender's reason. */
  private async send(subscription: DigestSubscription, digest: ComposedDigest, parts: readonly RenderedDigestPart[]): Promise<DigestRunResult> {
    const { store, logger, sender } = this.options;
    const { channelId } = subscription;
    const { localDate } = digest;
    const messageIds: string[] = [];
    try {
      for (const [index, part] of parts.entries()) messageIds.push((await sender.send({ channelId, localDate, index, ...part })).id);
    } catch (error) {
      const sentence = sender.describeFailure(error);
      await store.failPost({ channelId, localDate, at: this.options.now(), error: sentence, messageIds });
      logger.warn({ channelId, guildId: subscription.guildId, localDate, sentParts: messageIds.length, err: this.describe(error) }, 'could not post a digest; the next day tries again');
      return { channelId, outcome: 'failed', localDate, error: sentence };
    }
    await store.completePost({ channelId, localDate, postedAt: this.options.now(), messageIds });
    logger.info(
      { channelId, guildId: subscription.guildId, localDate, papers: digest.paperIds.length, messages: messageIds.length, llmTldrs: digest.llmTldrs, cycleRestarted: digest.pick.cycleRestarted },
      'posted a digest',
    );
    return { channelId, outcome: 'posted', localDate, paperIds: digest.paperIds, messageIds };
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.error({ err: this.describe(error) }, 'digest work failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private describe(error: unknown): Record<string, unknown> {
    return describeForLog(error, this.options.secrets ?? []);
  }
}
