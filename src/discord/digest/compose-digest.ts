/**
 * A channel's digest at one moment: the papers picked (`pickDigest`) from the index build current now and the
 * channel's history, a one-line TL;DR per paper (the language model's when one is configured; the abstract's
 * key sentence without one, or when the model fails), rendered into Discord messages of at most 2,000
 * characters. The scheduled post and `/digest preview` both come from here, so a preview shows exactly what
 * would be posted now.
 */
import type { StoredPaper } from '../../core/retrieval/paper-store.ts';
import type { StateDatabase } from '../../adapters/store/state-database.ts';
import type { Assistant } from '../../assistant/assistant.ts';
import type { ChatModel } from '../../core/answering/chat-model.ts';
import { pickDigest, type DigestPick } from '../../core/digest/pick-papers.ts';
import { buildDigestMessage, renderDigestText, type DigestMessage } from '../../core/digest/render-digest.ts';
import { localDate as localDateOf } from '../../core/digest/schedule.ts';
import { buildTldrMessages, tidyLlmTldr } from '../../core/digest/tldr.ts';
import type { Logger } from '../../core/logger.ts';

/** The part of the Assistant a digest needs. */
export type DigestAssistant = Pick<Assistant, 'digestCandidates'>;

/** What a digest reads of the channel's past. */
export type DigestHistorySource = Pick<StateDatabase, 'digestHistory'>;

export interface DigestSettings {
  channelId: string;
  timeZone: string;
  count: number;
  topic: string | null;
}

export interface ComposedDigest {
  /** The local date the digest is for (`YYYY-MM-DD`). */
  localDate: string;
  /** The instant the papers were picked: papers added after it are "new" next time. */
  pickedAt: Date;
  pick: DigestPick<StoredPaper>;
  /** The papers in entry order, as the post record stores them. */
  paperIds: string[];
  message: DigestMessage;
  /** The Discord messages, in order, each at most 2,000 characters. */
  parts: string[];
  /** How many TL;DRs the language model wrote (the rest are extractive). */
  llmTldrs: number;
}

export interface ComposeDigestOptions {
  settings: DigestSettings;
  assistant: DigestAssistant;
  history: DigestHistorySource;
  tldrs: TldrWriter;
  now: Date;
  /** Default: the local date of `now` in the settings' zone. */
  localDate?: string;
  signal?: AbortSignal;
}

export async function composeDigest({ settings, assistant, history, tldrs, now, localDate, signal }: ComposeDigestOptions): Promise<ComposedDigest> {
  const day = localDate ?? localDateOf(now, settings.timeZone);
  const { posts, lastPostAt } = history.digestHistory(settings.channelId);
  const candidates = await assistant.digestCandidates(settings.topic);
  const pick = pickDigest({
    papers: candidates.papers,
    history: posts,
    topic: settings.topic,
    count: settings.count,
    now,
    lastPostAt,
    embeddings: candidates.embeddings,
    relevance: candidates.relevance,
  });
  const written = await tldrs.write(
    pick.entries.map((e) => e.paper),
    signal,
  );
  const message = buildDigestMessage({ pick, localDate: day, topic: settings.topic, tldr: (paper) => written.get(paper.id) });
  return {
    localDate: day,
    pickedAt: now,
    pick,
    paperIds: pick.entries.map((e) => e.paper.id),
    message,
    parts: renderDigestText(message),
    llmTldrs: written.size,
  };
}

/**
 * One-sentence TL;DRs from the language model, remembered per paper text (a preview and the post that
 * follows show the same sentence, and a paper featured in several channels costs one call). Any failure
 * leaves the paper out of the result, which means its extractive TL;DR is shown.
 */
export class TldrWriter {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly chatModel: ChatModel | undefined,
    private readonly logger: Logger,
    private readonly maxCached = 2_000,
  ) {}

  get usesModel(): boolean {
    return this.chatModel !== undefined;
  }

  /** The model's TL;DR of each paper it managed, by paper id. */
  async write(papers: readonly StoredPaper[], signal?: AbortSignal): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const model = this.chatModel;
    if (model === undefined) return result;
    let failures = 0;
    let firstError: unknown;
    await Promise.all(
      papers.map(async (paper) => {
        const key = `${paper.id}\u0000${paper.textHash}\u0000${model.model}`;
        const cached = this.cache.get(key);
        if (cached !== undefined) {
          result.set(paper.id, cached);
          return;
        }
        try {
          const reply = await model.complete(buildTldrMessages({ label: paper.title ?? paper.label, abstract: paper.abstract }), signal ? { signal } : {});
          const tldr = tidyLlmTldr(reply);
          if (tldr === null) return;
          result.set(paper.id, tldr);
          this.remember(key, tldr);
        } catch (error) {
          failures += 1;
          firstError ??= error;
        }
      }),
    );
    if (failures > 0) {
      this.logger.warn(
        { failures, papers: papers.length, err: firstError instanceof Error ? { name: firstError.name, message: firstError.message } : String(firstError) },
        'the language model could not write digest TL;DRs: those papers show the key sentence of their abstract',
      );
    }
    return result;
  }

  private remember(key: string, tldr: string): void {
    if (this.cache.size >= this.maxCached) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, tldr);
  }
}
