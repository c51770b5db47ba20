/**
 * Posts each channel's daily digest at its local time, exactly once per local day, across restarts.
 *
 * - One croner job per subscription, in the subscription's IANA zone (croner handles DST), rebuilt at start
 *   and after every subscribe/unsubscribe. A job only says "look now": whether a digest is due is decided by
 *   `dueDigest` (src/core/digest/schedule.ts) from the clock and the state database, so a late, early, double
 *   or missed timer can never post twice or skip a day that is still today.
 * - At start the same check runs once for every subscription: that is the catch-up. After three days down,
 *   only today's digest is due (once its time has passed), so exactly one post.
 * - Claim, then send: the post record (channel, local date), with its papers in entry order, is written in an
 *   IMMEDIATE transaction BEFORE the first message is sent, and marked sent after. A crash, a restart or a
 *   second process finds the record and never sends that day again (at most once per day; a send cut short
 *   by a crash is not repeated). Discord's `enforce_nonce` on each message guards the HTTP retry of a
 *   single message the same way.
 * - Failures are recorded, never thrown: a 403/404 channel, a Discord outage or a bug in one subscription
 *   sets its `last_error` (shown by `/digest status`), marks that day's record failed, and the next day
 *   tries again. The subscription is kept (only `/digest unsubscribe` deletes one); the others go on.
 *
 * Tests inject `now` and drive time with `tick()`; the jobs are real croner jobs (created paused in tests).
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { DiscordAPIError, HTTPError, Routes, type APIMessage, type REST } from 'discord.js';
import type { DigestSubscription, DigestSubscriptionInput, StateDatabase } from '../../adapters/store/state-database.ts';
import type { ChatModel } from '../../core/answering/chat-model.ts';
import { dueDigest, localDate, nextRun, parseDigestTime, type DigestSchedule } from '../../core/digest/schedule.ts';
import type { Logger } from '../../core/logger.ts';
import { describeForLog } from '../../core/redact-secrets.ts';
import { newRequestId, runWithRequest } from '../request-context.ts';
import { composeDigest, TldrWriter, type ComposedDigest, type DigestAssistant, type DigestSettings } from './compose-digest.ts';

/** The state database's digest methods. */
export type DigestStore = Pick<
  StateDatabase,
  | 'saveDigestSubscription'
  | 'deleteDigestSubscription'
  | 'digestSubscription'
  | 'digestSubscriptions'
  | 'latestDigestDate'
  | 'digestHistory'
  | 'lastDigestPost'
  | 'claimDigestPost'
  | 'completeDigestPost'
  | 'failDigestPost'
  | 'recordDigestError'
>;

/** Posts one message to a channel (`allowed_mentions` pinging nobody); resolves with its id. */
export type SendDigestMessage = (channelId: string, message: { content: string; nonce: string }) => Promise<{ id: string }>;

export interface DigestSchedulerOptions {
  store: DigestStore;
  assistant: DigestAssistant;
  /** The assistant's language model, for TL;DRs; none: extractive TL;DRs. */
  chatModel?: ChatModel | undefined;
  send: SendDigestMessage;
  logger: Logger;
  now: () => Date;
  /** Scrubbed from logged errors (the bot token). */
  secrets?: readonly string[];
  /** Create the croner jobs paused: tests drive time with `tick()` (or `trigger()` a job). */
  pauseJobs?: boolean;
  /** Digests composed and sent at the same time (each asks the language model for its TL;DRs at once). */
  concurrency?: number;
  /** Aborts language-model calls (the bot's shutdown signal). */
  signal?: AbortSignal;
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

export interface SubscriptionStatus {
  subscription: DigestSubscription;
  /** The next time a digest will be posted (a day that already has its digest is skipped). */
  nextRun: Date;
  lastPost: { localDate: string; postedAt: string } | null;
}

const DEFAULT_CONCURRENCY = 3;

export class DigestScheduler {
  private readonly jobsByChannel = new Map<string, DigestJob>();
  private readonly running = new Map<string, Promise<DigestRunResult>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly tldrs: TldrWriter;
  private started = false;
  private stopping = false;

  constructor(private readonly options: DigestSchedulerOptions) {
    this.tldrs = new TldrWriter(options.chatModel, options.logger);
  }

  /** Creates the jobs and runs the catch-up check once (in the background; `idle()` waits for it). */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.rebuildJobs();
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
    for (const job of this.jobsByChannel.values()) job.cron.stop();
    this.jobsByChannel.clear();
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

  /** One job per subscription, made afresh from the state database (after any change). */
  rebuildJobs(): void {
    for (const job of this.jobsByChannel.values()) job.cron.stop();
    this.jobsByChannel.clear();
    if (this.stopping) return;
    for (const subscription of this.options.store.digestSubscriptions()) {
      try {
        this.jobsByChannel.set(subscription.channelId, this.createJob(subscription));
      } catch (error) {
        // A row edited by hand into an invalid time or zone must not stop the other digests.
        const message = `the schedule ${subscription.time} ${subscription.timeZone} is invalid: subscribe again with a valid time and zone`;
        this.options.store.recordDigestError({ channelId: subscription.channelId, at: this.options.now(), error: message });
        this.options.logger.error({ channelId: subscription.channelId, err: this.describe(error) }, 'could not schedule a digest');
      }
    }
  }

  /**
   * Checks every subscription against the clock and posts the digests that are due (the catch-up at start,
   * and what tests call to move time). Never rejects.
   */
  async tick(): Promise<DigestRunResult[]> {
    let subscriptions: DigestSubscription[];
    try {
      subscriptions = this.options.store.digestSubscriptions();
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

  // ----- what /digest calls --------------------------------------------------------------------------------

  /** Saves a subscription (new or changed) and reschedules. */
  subscribe(input: Omit<DigestSubscriptionInput, 'now'>): { subscription: DigestSubscription; created: boolean; nextRun: Date } {
    const now = this.options.now();
    const saved = this.options.store.saveDigestSubscription({ ...input, now });
    this.rebuildJobs();
    return { ...saved, nextRun: this.upcomingRun(saved.subscription, now) };
  }

  /** Deletes the channel's subscription and its job; its history stays. Undefined when there was none. */
  unsubscribe(channelId: string): DigestSubscription | undefined {
    const removed = this.options.store.deleteDigestSubscription(channelId);
    if (removed !== undefined) this.rebuildJobs();
    return removed;
  }

  /** What would be posted in the channel now, without recording anything. */
  preview(settings: DigestSettings): Promise<ComposedDigest> {
    return composeDigest({ settings, assistant: this.options.assistant, history: this.options.store, tldrs: this.tldrs, now: this.options.now(), ...this.signal() });
  }

  subscription(channelId: string): DigestSubscription | undefined {
    return this.options.store.digestSubscription(channelId);
  }

  /** Every subscription of a server with its next run and last post, for `/digest status`. */
  status(guildId: string): SubscriptionStatus[] {
    const now = this.options.now();
    return this.options.store.digestSubscriptions({ guildId }).map((subscription) => {
      const last = this.options.store.lastDigestPost(subscription.channelId, { sent: true });
      return {
        subscription,
        nextRun: this.upcomingRun(subscription, now),
        lastPost: last === undefined ? null : { localDate: last.localDate, postedAt: last.postedAt ?? last.pickedAt },
      };
    });
  }

  /** The first scheduled run after `now` whose local date has no digest yet. */
  upcomingRun(subscription: DigestSubscription, now: Date): Date {
    const latest = this.options.store.latestDigestDate(subscription.channelId);
    let run = nextRun(subscription, now);
    // A zone or time change can put a run on a date that already has its digest: that run posts nothing.
    for (let i = 0; i < 3 && latest !== null && localDate(run, subscription.timeZone) <= latest; i++) run = nextRun(subscription, run);
    return run;
  }

  // ----- internals -------------------------------------------------------------------------------------------

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
    const { store, logger } = this.options;
    let day: string | null = null;
    try {
      const subscription = store.digestSubscription(channelId);
      if (subscription === undefined) return { channelId, outcome: 'skipped', reason: 'unsubscribed' };
      if (this.stopping) return { channelId, outcome: 'skipped', reason: 'shutting down' };
      const now = this.options.now();
      const schedule: DigestSchedule = { time: subscription.time, timeZone: subscription.timeZone, activeSince: new Date(subscription.activeSince) };
      day = dueDigest(schedule, store.latestDigestDate(channelId), now);
      if (day === null) return { channelId, outcome: 'not-due' };

      const digest = await composeDigest({
        settings: subscription,
        assistant: this.options.assistant,
        history: store,
        tldrs: this.tldrs,
        now,
        localDate: day,
        ...this.signal(),
      });
      if (this.stopping) return { channelId, outcome: 'skipped', reason: 'shutting down' };
      // The claim checks this again, atomically; here it is only for a precise reason.
      if (store.digestSubscription(channelId) === undefined) return { channelId, outcome: 'skipped', reason: 'unsubscribed' };
      if (!store.claimDigestPost({ channelId, guildId: subscription.guildId, localDate: day, paperIds: digest.paperIds, pickedAt: digest.pickedAt })) {
        return { channelId, outcome: 'skipped', reason: `the digest of ${day} is already claimed` };
      }
      return await this.send(subscription, digest);
    } catch (error) {
      const errorId = newRequestId();
      const sentence = `the digest could not be prepared (unexpected error, id ${errorId} in the log)`;
      logger.error({ errorId, channelId, localDate: day, err: this.describe(error) }, 'a digest failed');
      try {
        store.recordDigestError({ channelId, at: this.options.now(), error: sentence });
      } catch (recordError) {
        logger.error({ channelId, err: this.describe(recordError) }, 'could not record a digest failure');
      }
      return { channelId, outcome: 'failed', localDate: day, error: sentence };
    }
  }

  /** Sends a claimed digest, then marks its record sent, or failed with the reason. */
  private async send(subscription: DigestSubscription, digest: ComposedDigest): Promise<DigestRunResult> {
    const { store, logger } = this.options;
    const { channelId } = subscription;
    const messageIds: string[] = [];
    try {
      for (const [part, content] of digest.parts.entries()) {
        const sent = await this.options.send(channelId, { content, nonce: digestNonce(channelId, digest.localDate, part) });
        messageIds.push(sent.id);
      }
    } catch (error) {
      const sentence = describeDigestFailure(error);
      store.failDigestPost({ channelId, localDate: digest.localDate, at: this.options.now(), error: sentence, messageIds });
      logger.warn({ channelId, guildId: subscription.guildId, localDate: digest.localDate, sentParts: messageIds.length, err: this.describe(error) }, 'could not post a digest; the next day tries again');
      return { channelId, outcome: 'failed', localDate: digest.localDate, error: sentence };
    }
    store.completeDigestPost({ channelId, localDate: digest.localDate, postedAt: this.options.now(), messageIds });
    logger.info(
      { channelId, guildId: subscription.guildId, localDate: digest.localDate, papers: digest.paperIds.length, messages: messageIds.length, llmTldrs: digest.llmTldrs, cycleRestarted: digest.pick.cycleRestarted },
      'posted a digest',
    );
    return { channelId, outcome: 'posted', localDate: digest.localDate, paperIds: digest.paperIds, messageIds };
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.error({ err: this.describe(error) }, 'digest work failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private signal(): { signal?: AbortSignal } {
    return this.options.signal === undefined ? {} : { signal: this.options.signal };
  }

  private describe(error: unknown): Record<string, unknown> {
    return describeForLog(error, this.options.secrets ?? []);
  }
}

/**
 * Posts with the bot's REST client: one POST to the channel per message, pinging nobody whatever a paper
 * says, with Discord's idempotency nonce. No channel fetch first: a deleted channel answers the POST with 404.
 */
export function restDigestSender(rest: Pick<REST, 'post'>): SendDigestMessage {
  return async (channelId, { content, nonce }) => {
    const message = (await rest.post(Routes.channelMessages(channelId), {
      body: { content, allowed_mentions: { parse: [] }, nonce, enforce_nonce: true },
    })) as APIMessage;
    return { id: message.id };
  };
}

/**
 * A nonce per message of a day's digest (at most 25 characters, as Discord requires). With `enforce_nonce`,
 * Discord answers a repeated send of the same nonce within minutes with the first message instead of a copy.
 */
export function digestNonce(channelId: string, localDate: string, part: number): string {
  return `d${createHash('sha256').update(`${channelId}:${localDate}:${part}`).digest('base64url').slice(0, 24)}`;
}

/** Why a digest could not be posted, as a sentence for `/digest status`. */
export function describeDigestFailure(error: unknown): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 404) {
      return `Discord says the channel does not exist (404 ${error.message}): it was deleted, or paperbot cannot see it. Unsubscribe it, or let paperbot see it again`;
    }
    if (error.status === 403) {
      return `paperbot may not post in this channel (403 ${error.message}): give it View Channel and Send Messages there`;
    }
    return `Discord refused the message (${error.status} ${error.message})`;
  }
  if (error instanceof HTTPError) return `Discord failed to answer (${error.status} ${error.message})`;
  return `could not reach Discord (${error instanceof Error ? error.message : String(error)})`;
}
