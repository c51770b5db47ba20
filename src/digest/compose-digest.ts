/**
 * A channel's digest at one moment: the papers picked (`pickDigest`) from the candidates current now and the
 * channel's history, and a one-line TL;DR per paper (the language model's when one is configured; the
 * abstract's key sentence without one, or when the model fails), as core's platform-neutral DigestMessage.
 * The scheduled post and `/digest preview` both come from here, so a preview shows exactly what would be
 * posted now; the platform renders the message (DigestSender).
 */
import type { Awaitable } from '../core/awaitable.ts';
import { buildDigestMessage, type DigestMessage, type DigestPaper } from '../core/digest/digest-message.ts';
import type { DigestStore, DigestSubscriptionSettings } from '../core/digest/digest-store.ts';
import type { DigestVoteStore } from '../core/digest/digest-votes.ts';
import { pickDigest, type DigestPick, type PaperScores, type PickDigestOptions } from '../core/digest/pick-papers.ts';
import { localDate as localDateOf } from '../core/digest/schedule.ts';
import type { TldrPaper, TldrWriter } from './tldr-writer.ts';

/** What a digest needs of a paper: what the picker, the message and the TL;DR read. */
export type DigestSourcePaper = DigestPaper & TldrPaper;

/** A value per paper: known up front (a Map), or read from the index when asked, which may take a round trip (PostgreSQL). */
export type PaperLookup<T> = ReadonlyMap<string, T> | ((paperId: string) => Awaitable<T | undefined>);

/** The papers a digest picks from, with what ranks them (`Assistant.digestCandidates` gives these). */
export interface DigestCandidates {
  /** Every paper of the corpus, in corpus order. */
  papers: readonly DigestSourcePaper[];
  /** Per-paper vectors for MMR; undefined when there are none (the digest then compares words). */
  embeddings?: PaperLookup<readonly number[]> | undefined;
  /** For a topic, each relevant paper's score. */
  relevance?: PaperScores | undefined;
  /** For a topic, each relevant paper's absolute match (0..1): new papers below the floor are not featured as new. */
  topicMatch?: PaperLookup<number> | undefined;
}

/** Where the candidates come from: the index current now. */
export interface DigestCandidateSource {
  digestCandidates(topic: string | null): Promise<DigestCandidates>;
}

/** What a digest is composed for: a subscription, or the defaults of a preview. */
export type DigestSettings = Pick<DigestSubscriptionSettings, 'channelId' | 'timeZone' | 'count' | 'topic'>;

export interface ComposedDigest {
  /** The local date the digest is for (`YYYY-MM-DD`). */
  localDate: string;
  /** The instant the papers were picked: papers added after it are "new" next time. */
  pickedAt: Date;
  pick: DigestPick<DigestSourcePaper>;
  /** The papers in entry order, as the post record stores them. */
  paperIds: string[];
  message: DigestMessage;
  /** How many TL;DRs the language model wrote (the rest are extractive). */
  llmTldrs: number;
}

export interface ComposeDigestOptions {
  settings: DigestSettings;
  candidates: DigestCandidateSource;
  history: Pick<DigestStore, 'history'>;
  /** The channel's 👍/👎 on earlier entries, which shape the pick; none when not given (previews of a channel without votes). */
  votes?: Pick<DigestVoteStore, 'channelVotes'> | undefined;
  tldrs: TldrWriter;
  now: Date;
  /** Default: the local date of `now` in the settings' zone. */
  localDate?: string;
  signal?: AbortSignal;
}

export async function composeDigest({ settings, candidates, history, votes, tldrs, now, localDate, signal }: ComposeDigestOptions): Promise<ComposedDigest> {
  const day = localDate ?? localDateOf(now, settings.timeZone);
  const { posts, lastPostAt } = await history.history(settings.channelId);
  const found = await candidates.digestCandidates(settings.topic);
  const channelVotes = votes === undefined ? [] : await votes.channelVotes(settings.channelId);
  const pick = await pickDigestLazily(
    { papers: found.papers, history: posts, topic: settings.topic, count: settings.count, now, lastPostAt, relevance: found.relevance, votes: channelVotes },
    { embeddings: found.embeddings, topicMatch: found.topicMatch },
  );
  const written = await tldrs.write(
    pick.entries.map((e) => e.paper),
    signal,
  );
  return {
    localDate: day,
    pickedAt: now,
    pick,
    paperIds: pick.entries.map((e) => e.paper.id),
    message: buildDigestMessage({ pick, localDate: day, topic: settings.topic, tldr: (paper) => written.get(paper.id) }),
    llmTldrs: written.size,
  };
}

/**
 * pickDigest (pure, synchronous) with lookups the index answers asynchronously, still read lazily (only the
 * papers the picker asks about; a 100k corpus is not read whole): the picker runs, the values it asked for and
 * did not have yet are read, and it runs again until it asks for nothing new. The last run had every value it
 * asked for, so it picks exactly what a run with synchronous lookups would; it is milliseconds, the reads are not.
 */
export async function pickDigestLazily(
  options: Omit<PickDigestOptions<DigestSourcePaper>, 'embeddings' | 'topicMatch'>,
  lookups: { embeddings?: PaperLookup<readonly number[]> | undefined; topicMatch?: PaperLookup<number> | undefined },
): Promise<DigestPick<DigestSourcePaper>> {
  const embeddings = new LazyLookup(lookups.embeddings);
  const topicMatch = new LazyLookup(lookups.topicMatch);
  for (;;) {
    const pick = pickDigest({ ...options, embeddings: embeddings.known(), topicMatch: topicMatch.known() });
    if (!embeddings.missing() && !topicMatch.missing()) return pick;
    await embeddings.readMissing();
    await topicMatch.readMissing();
  }
}

/** The values of a PaperLookup read so far, answering synchronously, and the papers asked for that it did not have. */
class LazyLookup<T> {
  private readonly values = new Map<string, T | undefined>();
  private readonly asked = new Set<string>();

  constructor(private readonly lookup: PaperLookup<T> | undefined) {}

  known(): ReadonlyMap<string, T> | ((paperId: string) => T | undefined) | undefined {
    const lookup = this.lookup;
    if (lookup === undefined || typeof lookup !== 'function') return lookup;
    return (paperId) => {
      if (!this.values.has(paperId)) this.asked.add(paperId);
      return this.values.get(paperId);
    };
  }

  missing(): boolean {
    return this.asked.size > 0;
  }

  async readMissing(): Promise<void> {
    const lookup = this.lookup;
    if (typeof lookup !== 'function') return;
    for (const paperId of this.asked) this.values.set(paperId, await lookup(paperId));
    this.asked.clear();
  }
}
