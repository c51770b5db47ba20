/**
 * The daily digests as a service, whatever front end drives it: what `/digest` asks (subscribe,
 * unsubscribe, preview, status, the next run) and the lifecycle the bot drives (start, stop, interrupt).
 * It builds its own parts from the ports it is given (store, candidates, sender, an optional language model
 * for TL;DRs): the TL;DR writer, the compose step shared by preview and post, and the scheduler.
 */
import type { ChatModel } from '../core/answering/chat-model.ts';
import type { DigestPost, DigestSubscription, DigestSubscriptionInput } from '../core/digest/digest-store.ts';
import type { DigestVoteStore } from '../core/digest/digest-votes.ts';
import type { Vote } from '../core/feedback/feedback-store.ts';
import { localDate, nextRun } from '../core/digest/schedule.ts';
import { composeDigest, type ComposedDigest, type DigestCandidateSource, type DigestSettings } from './compose-digest.ts';
import { DigestScheduler, type ComposeDigest, type DigestSchedulerOptions } from './digest-scheduler.ts';
import { TldrWriter } from './tldr-writer.ts';

/** The scheduler's options (store, sender, clock, logger, …) but its compose step, which the service builds from these. */
export interface DigestServiceOptions extends Omit<DigestSchedulerOptions, 'compose'> {
  /** The channels' 👍/👎 on digest entries, which shape their next digests; none: votes play no part. */
  votes?: DigestVoteStore | undefined;
  /** The papers to pick from (the Assistant). */
  candidates: DigestCandidateSource;
  /** The assistant's language model, for TL;DRs; none: extractive TL;DRs. */
  chatModel?: ChatModel | undefined;
}

export interface SubscriptionStatus {
  subscription: DigestSubscription;
  /** The next time a digest will be posted (a day that already has its digest is skipped). */
  nextRun: Date;
  lastPost: { localDate: string; postedAt: string } | null;
  /** A digest claimed and never marked sent or failed by a process that is gone: a crash cut its sending short. */
  interrupted: { localDate: string; startedAt: string } | null;
  /** The 👍/👎 on the channel's digest entries; null when votes are not kept. */
  votes: { up: number; down: number } | null;
}

/**
 * A digest another process claimed and has not marked sent or failed after this long is taken as cut short:
 * sending takes seconds (a few REST calls of at most 15 s each), and a process cannot tell whether one on
 * another machine is still alive.
 */
const STALE_SENDING_MS = 10 * 60_000;

export class DigestService {
  readonly scheduler: DigestScheduler;
  private readonly compose: ComposeDigest;
  /** Aborts language-model calls still running when shutdown's grace period is over. */
  private readonly abort = new AbortController();
  /** A record still `sending` from before this instant was left by a process that stopped while sending it. */
  private readonly startedAt: Date;

  constructor(private readonly options: DigestServiceOptions) {
    this.startedAt = options.now();
    const tldrs = new TldrWriter(options.chatModel, options.logger);
    this.compose = (settings, { now, localDate: day }) =>
      composeDigest({ settings, candidates: options.candidates, history: options.store, votes: options.votes, tldrs, now, ...(day === undefined ? {} : { localDate: day }), signal: this.abort.signal });
    const { votes: _votes, candidates: _candidates, chatModel: _chatModel, ...scheduling } = options;
    this.scheduler = new DigestScheduler({ ...scheduling, compose: this.compose });
  }

  // ----- lifecycle --------------------------------------------------------------------------------------------

  /** Schedules every subscription and posts the digests due today and not yet posted (in the background). */
  start(): Promise<void> {
    return this.scheduler.start();
  }

  /** No new digest from now on; resolves when the ones being sent are done. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Cuts short the language-model calls of digests still being composed (they fall back to extractive TL;DRs). */
  interrupt(): void {
    this.abort.abort();
  }

  // ----- what /digest asks ------------------------------------------------------------------------------------

  /** Saves a subscription (new or changed) and reschedules. */
  async subscribe(input: Omit<DigestSubscriptionInput, 'now'>): Promise<{ subscription: DigestSubscription; created: boolean; nextRun: Date }> {
    const now = this.options.now();
    const saved = await this.options.store.saveSubscription({ ...input, now });
    await this.scheduler.rebuildJobs();
    return { ...saved, nextRun: await this.upcomingRun(saved.subscription, now) };
  }

  /** Deletes the channel's subscription and its job; its history stays. Undefined when there was none. */
  async unsubscribe(channelId: string): Promise<DigestSubscription | undefined> {
    const removed = await this.options.store.deleteSubscription(channelId);
    if (removed !== undefined) await this.scheduler.rebuildJobs();
    return removed;
  }

  /** What would be posted in the channel now, without recording anything. */
  preview(settings: DigestSettings): Promise<ComposedDigest> {
    return this.compose(settings, { now: this.options.now() });
  }

  /**
   * A 👍/👎 on entry `n` of the channel's digest of `localDate` (one per person per paper per channel; a
   * second replaces the first). Null when that digest or entry is not known, or votes are not kept.
   */
  async vote({ channelId, localDate, n, userId, vote }: { channelId: string; localDate: string; n: number; userId: string; vote: Vote }): Promise<{ paperId: string; previous: Vote | null } | null> {
    const votes = this.options.votes;
    const paperId = votes === undefined ? undefined : (await votes.postedPapers(channelId, localDate))?.[n - 1];
    if (votes === undefined || paperId === undefined) return null;
    const { previous } = await votes.recordVote({ channelId, paperId, userId, vote, votedAt: this.options.now().toISOString() });
    return { paperId, previous };
  }

  async subscription(channelId: string): Promise<DigestSubscription | undefined> {
    return this.options.store.subscription(channelId);
  }

  /** Every subscription of a server with its next run and last post, for `/digest status`. */
  async status(guildId: string): Promise<SubscriptionStatus[]> {
    const { store } = this.options;
    const now = this.options.now();
    const statuses: SubscriptionStatus[] = [];
    for (const subscription of await store.subscriptions({ guildId })) {
      const last = await store.lastPost(subscription.channelId, { sent: true });
      const latest = await store.lastPost(subscription.channelId);
      const interrupted = latest !== undefined && this.wasCutShort(latest) ? { localDate: latest.localDate, startedAt: latest.pickedAt } : null;
      statuses.push({
        subscription,
        nextRun: await this.upcomingRun(subscription, now),
        lastPost: last === undefined ? null : { localDate: last.localDate, postedAt: last.postedAt ?? last.pickedAt },
        interrupted,
        votes: this.options.votes === undefined ? null : await this.options.votes.tally(subscription.channelId),
      });
    }
    return statuses;
  }

  /**
   * A `sending` record this process is not sending: claimed before it started (the process that claimed it
   * stopped), or claimed since by another process sharing the state that has not finished in STALE_SENDING_MS.
   */
  private wasCutShort(post: DigestPost): boolean {
    if (post.status !== 'sending' || this.scheduler.isPosting(post.channelId)) return false;
    const pickedAt = new Date(post.pickedAt).getTime();
    return pickedAt < this.startedAt.getTime() || this.options.now().getTime() - pickedAt >= STALE_SENDING_MS;
  }

  /** The first scheduled run after `now` whose local date has no digest yet. */
  async upcomingRun(subscription: DigestSubscription, now: Date): Promise<Date> {
    const latest = await this.options.store.latestPostDate(subscription.channelId);
    let run = nextRun(subscription, now);
    // A zone or time change can put a run on a date that already has its digest: that run posts nothing.
    for (let i = 0; i < 3 && latest !== null && localDate(run, subscription.timeZone) <= latest; i++) run = nextRun(subscription, run);
    return run;
  }
}
